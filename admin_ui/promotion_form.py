"""The promotion builder's form: read as people write it (money as 2.50, 10 %, local dates), turned into
the definition the API accepts, with each refusal put beside the field it is about.

Shape is checked by the API's ``DefinitionSchema`` and contradictions by the engine (through
``add_version``); this module only translates between the form and the definition.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from admin_ui.formatting import percent_text
from promotions.holdout import MAX_HOLDOUT_BP

KINDS = (("percent_off", "Percent off products or categories"), ("amount_off", "Amount off products or categories"),
         ("member_price", "Member price for products"), ("multi_buy", "Multi-buy: buy some, get some free or off"),
         ("buy_get", "Buy some, get another product or group free or off"),
         ("bundle", "Bundle at a fixed price"), ("spend_threshold", "Spend threshold: spend X, get money or points"),
         ("bonus_points", "Bonus points"))
SCOPED = {"percent_off", "amount_off", "multi_buy", "bonus_points"}
PERIODS = (("ever", "ever"), ("day", "per day"), ("week", "per week"), ("month", "per month"))
_PERCENT = re.compile(r"^\d{1,3}(\.\d{1,2})?$")
_BUNDLE_LINE = re.compile(r"^(\d+)\s*[x×]\s*(category:)?\s*(\S+)$", re.IGNORECASE)

# Where a message about a definition field (schema or engine) is shown on the form.
FIELD_OF = {"label": "label", "rule.percent_bp": "percent", "rule.amount_minor": "amount", "rule.prices": "prices",
            "rule.buy": "buy", "rule.get": "get", "rule.components": "components", "rule.price_minor": "bundle_price",
            "rule.tiers": "threshold_min", "rule.extra_bp": "bonus_times", "rule.fixed_points": "bonus_fixed",
            "rule.scope": "scope_skus", "rule.buy_qty": "buy", "rule.get_qty": "get", "rule.buy_scope": "scope_skus",
            "rule.get_scope": "get_skus", "max_discount": "max_discount", "max_discount_minor": "max_discount",
            "rule.points_per": "bonus_per_points", "rule.per_minor": "bonus_per_amount",
            "rule.unit_points": "bonus_unit_points", "rule.multiplier_bp": "bonus_multiplier",
            "rule.min_order_minor": "bonus_min_order", "rule.min_qty": "bonus_min_qty",
            "priority": "priority", "window": "start", "window.start": "start",
            "window.end": "end", "window.hours": "hours_start", "window.weekdays": "weekdays", "stores": "stores",
            "targeting": "tiers", "targeting.holdout_bp": "holdout", "usage_limit": "max_uses",
            "coupon": "coupon_codes", "notice": "notice_text", "notice.text": "notice_text",
            "notice.channels": "notice_channels",
            "chain_cap": "cap_uses", "chain_cap.max_uses": "cap_uses",
            "chain_cap.offline_uses": "cap_offline"}


class Money:
    """Money typed by people ('2.50', '2,50', '€2') in the chain's minor units."""

    def __init__(self, currency: str, exponent: int) -> None:
        self.currency, self.exponent = currency, exponent
        fraction = rf"([.,]\d{{1,{exponent}}})?" if exponent else ""
        self._pattern = re.compile(rf"^\d{{1,9}}{fraction}$")

    def parse(self, text: str) -> int | None:
        text = text.strip().lstrip("€$£¥").replace(" ", "")
        if not self._pattern.match(text):
            return None
        units, _, cents = text.replace(",", ".").partition(".")
        return int(units) * 10**self.exponent + int((cents or "0").ljust(self.exponent, "0"))

    def example(self) -> str:
        return "2.50" if self.exponent == 2 else "250"


def read(form: MultiDict, money: Money) -> tuple[dict, dict[str, str]]:
    """The definition the form describes, and a message per field that cannot be read."""
    errors: dict[str, str] = {}
    reader = _Reader(form, money, errors)
    definition = {"label": form.get("label", "").strip(), "rule": reader.rule(),
                  "priority": reader.integer("priority", "Priority", default=0),
                  "exclusive": form.get("exclusive") == "yes", "window": reader.window(),
                  "stores": form.getlist("stores"), "targeting": reader.targeting(),
                  "usage_limit": reader.usage_limit(), "coupon": reader.coupon(),
                  "max_discount_minor": reader.amount("max_discount", "Most off one basket", required=False),
                  "notice": reader.notice(),
                  "chain_cap": reader.chain_cap()}
    if not definition["label"]:
        errors["label"] = "Name: give the promotion the name customers see on the receipt, e.g. 10% off snacks."
    return definition, errors


def place(messages: dict, errors: dict[str, str], prefix: str = "") -> None:
    """Put the API schema's (nested) messages beside the form's fields."""
    for key, value in messages.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            place(value, errors, f"{path}.")
            continue
        text = value[0] if isinstance(value, list) and value and isinstance(value[0], str) else str(value)
        field = next((FIELD_OF[p] for p in _prefixes(path) if p in FIELD_OF), "label")
        errors.setdefault(field, f"{text[0].upper()}{text[1:]}".rstrip(".") + ".")


def _prefixes(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


class _Reader:
    def __init__(self, form: MultiDict, money: Money, errors: dict[str, str]) -> None:
        self.form, self.money, self.errors = form, money, errors

    def text(self, name: str) -> str:
        return self.form.get(name, "").strip()

    def integer(self, name: str, label: str, default: int | None = None) -> int | None:
        text = self.text(name).replace(",", "")
        if not text:
            return default
        if not re.fullmatch(r"-?\d{1,9}", text):
            self.errors[name] = f"{label}: write a whole number, e.g. 2."
            return default
        return int(text)

    def amount(self, name: str, label: str, required: bool = True) -> int | None:
        text = self.text(name)
        if not text:
            if required:
                self.errors[name] = f"{label}: enter an amount in {self.money.currency}, e.g. {self.money.example()}."
            return None if not required else 0
        minor = self.money.parse(text)
        if minor is None:
            self.errors[name] = (f"{label}: write money as {self.money.example()} ({self.money.currency}), "
                                 "without other signs.")
            return 0
        return minor

    def percent(self, name: str, label: str, default: str = "") -> int:
        text = (self.text(name) or default).rstrip("%").strip()
        if not _PERCENT.match(text):
            self.errors[name] = f"{label}: write a percentage such as 10 or 12.5."
            return 0
        whole, _, fraction = text.partition(".")
        return int(whole) * 100 + int(fraction.ljust(2, "0") or 0)

    def scope(self) -> dict:
        return {"skus": _words(self.text("scope_skus")), "categories": _words(self.text("scope_categories")),
                "whole_basket": self.form.get("scope_whole_basket") == "yes"}

    def get_scope(self) -> dict:
        return {"skus": _words(self.text("get_skus")), "categories": _words(self.text("get_categories")),
                "whole_basket": False}

    def threshold_scope(self) -> dict:
        # A threshold on no named items counts the whole basket, as it did before scopes.
        scope = self.scope()
        return scope if scope["skus"] or scope["categories"] else {**scope, "whole_basket": True}

    def rule(self) -> dict:
        kind = self.form.get("kind", "percent_off")
        if kind == "percent_off":
            return {"kind": kind, "percent_bp": self.percent("percent", "Percent off"), "scope": self.scope()}
        if kind == "amount_off":
            return {"kind": kind, "amount_minor": self.amount("amount", "Amount off"), "scope": self.scope()}
        if kind == "member_price":
            return {"kind": kind, "prices": self.prices()}
        if kind == "multi_buy":
            return {"kind": kind, "buy": self.integer("buy", "Buy", 0), "get": self.integer("get", "Get", 0),
                    "percent_bp": self.percent("get_percent", "Off the items got", "100"), "scope": self.scope()}
        if kind == "buy_get":
            return {"kind": kind, "buy_qty": self.integer("buy", "Buy", 0), "buy_scope": self.scope(),
                    "get_qty": self.integer("get", "Get", 0), "get_scope": self.get_scope(),
                    "percent_bp": self.percent("get_percent", "Off the items got", "100")}
        if kind == "bundle":
            return {"kind": kind, "components": self.components(),
                    "price_minor": self.amount("bundle_price", "Bundle price")}
        if kind == "spend_threshold":
            return {"kind": kind, "tiers": [{
                "min_spend_minor": self.amount("threshold_min", "Spend at least"),
                "amount_off_minor": self.amount("threshold_off", "Amount off", required=False) or 0,
                "percent_bp": self.percent("threshold_percent", "Percent off", "0"),
                "bonus_points": self.integer("threshold_points", "Bonus points", 0)}], "scope": self.threshold_scope()}
        if kind == "bonus_points":
            return self.earning_rule()
        self.errors["kind"] = "Kind: choose one of the listed kinds."
        return {"kind": "percent_off"}

    def earning_rule(self) -> dict:
        per_minor = self.amount("bonus_per_amount", "Per amount", required=False) or 0
        return {"kind": "bonus_points", "extra_bp": self.percent("bonus_times", "Extra times the usual points", "0"),
                "fixed_points": self.integer("bonus_fixed", "Fixed bonus points", 0),
                "points_per": self.integer("bonus_per_points", "Points per amount", 1 if per_minor else 0),
                "per_minor": per_minor, "unit_points": self.integer("bonus_unit_points", "Points per unit", 0),
                "multiplier_bp": self.percent("bonus_multiplier", "Multiplier of the rule's points", "100"),
                "min_order_minor": self.amount("bonus_min_order", "Minimum order", required=False) or 0,
                "min_qty": self.integer("bonus_min_qty", "Minimum quantity", 0),
                "standalone": self.form.get("bonus_standalone") == "yes", "scope": self.scope()}

    def prices(self) -> list[dict]:
        found = []
        for number, line in enumerate(self.text("prices").splitlines(), start=1):
            if not line.strip():
                continue
            sku, _, price = line.strip().rpartition(" ")
            minor = self.money.parse(price)
            if not sku.strip() or minor is None:
                self.errors["prices"] = (f"Member prices, line {number}: write the product code, a space and the "
                                         f"price, e.g. CRISPS {self.money.example()}.")
                continue
            found.append({"sku": sku.strip(), "price_minor": minor})
        if not found and "prices" not in self.errors:
            self.errors["prices"] = f"Member prices: one line per product, e.g. CRISPS {self.money.example()}."
        return found

    def components(self) -> list[dict]:
        found = []
        for number, line in enumerate(self.text("components").splitlines(), start=1):
            if not line.strip():
                continue
            match = _BUNDLE_LINE.match(line.strip())
            if not match:
                self.errors["components"] = (f"Bundle items, line {number}: write a quantity, x and a product code "
                                             "or category:name, e.g. 2 x CRISPS or 1 x category:drinks.")
                continue
            qty, is_category, name = match.groups()
            scope = {"skus": [], "categories": [name], "whole_basket": False} if is_category else {
                "skus": [name], "categories": [], "whole_basket": False}
            found.append({"qty": int(qty), "scope": scope})
        return found

    def window(self) -> dict:
        zone = self._zone()
        window = {"start": self._instant("start", "Starts", zone), "end": self._instant("end", "Ends", zone),
                  "weekdays": sorted(int(d) for d in self.form.getlist("weekdays") if d.isdigit()), "hours": []}
        start, end = self.text("hours_start"), self.text("hours_end")
        if start or end:
            window["hours"] = [{"start": start or "00:00", "end": end or "24:00"}]
        return window

    def _zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.form.get("timezone") or "UTC")
        except (ValueError, KeyError):
            self.errors["timezone"] = "Time zone: choose one of the stores' time zones."
            return ZoneInfo("UTC")

    def _instant(self, name: str, label: str, zone: ZoneInfo) -> str | None:
        text = self.text(name)
        if not text:
            return None
        try:
            local = datetime.fromisoformat(text)
        except ValueError:
            self.errors[name] = f"{label}: write the date and time as 2026-03-14 08:00."
            return None
        # Typed on the wall clock of the chosen zone; stored, like every instant, in UTC.
        return (local.replace(tzinfo=zone) if local.tzinfo is None else local).astimezone(UTC).isoformat()

    def targeting(self) -> dict:
        return {"members_only": self.form.get("members_only") == "yes", "tiers": self.form.getlist("tiers"),
                "segments": self.form.getlist("segments"), "member_ids": self.form.getlist("member_ids"),
                "holdout_bp": self.holdout(), "clip": self.form.get("clip") == "yes"}

    def holdout(self) -> int:
        share = self.percent("holdout", "Held out", "0")
        if share > MAX_HOLDOUT_BP:
            self.errors["holdout"] = f"Held out: at most {percent_text(MAX_HOLDOUT_BP)} % of the audience."
        return share

    def notice(self) -> dict | None:
        """No text: no notice. Text without a channel is a message beside the channels."""
        text, channels = self.text("notice_text"), self.form.getlist("notice_channels")
        if not text:
            return None
        if not channels:
            self.errors["notice_channels"] = "Send by: tick e-mail, text message or both, or clear the message."
        return {"text": text, "channels": channels}

    def usage_limit(self) -> dict | None:
        uses = self.integer("max_uses", "Uses per member")
        if uses is None:
            return None
        return {"max_uses": uses, "period": self.form.get("period") or "ever"}

    def chain_cap(self) -> dict | None:
        uses = self.integer("cap_uses", "Uses in the whole chain")
        if uses is None:
            return None
        return {"max_uses": uses, "offline_uses": self.integer("cap_offline", "Of which offline", default=0)}

    def coupon(self) -> dict | None:
        if self.form.get("needs_coupon") != "yes":
            return None
        return {"single_use": self.form.get("single_use") == "yes", "per_member_limit": None,
                "codes": _words(self.text("coupon_codes"))}


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[\s,;]+", text) if word]


def form_of(definition: dict, money: Money, zone: str) -> MultiDict:
    """The form that reads back as ``definition`` (for editing it): the inverse of ``read``.

    Dates are shown on the wall clock of ``zone``; members named one by one ride along unseen.
    """
    rule, window, targeting = definition["rule"], definition["window"], definition["targeting"]
    fields: list[tuple[str, str]] = [("label", definition["label"]), ("kind", rule["kind"]),
                                     ("priority", str(definition["priority"])), ("timezone", zone)]
    fields += _rule_fields(rule, money)
    scope = rule.get("scope") or rule.get("buy_scope") or {}
    fields += [("scope_skus", " ".join(scope.get("skus", ()))),
               ("scope_categories", " ".join(scope.get("categories", ())))]
    fields += [("scope_whole_basket", "yes")] if scope.get("whole_basket") and rule["kind"] != "spend_threshold" else []
    if definition.get("max_discount_minor") is not None:
        fields += [("max_discount", _money_text(definition["max_discount_minor"], money))]
    fields += [("exclusive", "yes")] if definition["exclusive"] else []
    fields += [("stores", code) for code in definition["stores"]]
    fields += [("members_only", "yes")] if targeting["members_only"] else []
    fields += [("tiers", t) for t in targeting["tiers"]] + [("segments", s) for s in targeting["segments"]]
    fields += [("member_ids", m) for m in targeting["member_ids"]]
    fields += [("holdout", percent_text(targeting.get("holdout_bp", 0)))]
    fields += [(name, _local(window[name], zone)) for name in ("start", "end") if window[name]]
    fields += [("weekdays", str(d)) for d in window["weekdays"]]
    if window["hours"]:
        fields += [("hours_start", window["hours"][0]["start"]), ("hours_end", window["hours"][0]["end"])]
    if definition["usage_limit"]:
        fields += [("max_uses", str(definition["usage_limit"]["max_uses"])),
                   ("period", definition["usage_limit"]["period"])]
    if definition.get("chain_cap"):
        fields += [("cap_uses", str(definition["chain_cap"]["max_uses"])),
                   ("cap_offline", str(definition["chain_cap"]["offline_uses"]))]
    if definition["coupon"]:
        coupon = definition["coupon"]
        fields += [("needs_coupon", "yes"), ("coupon_codes", " ".join(coupon["codes"]))]
        fields += [("single_use", "yes")] if coupon["single_use"] else []
    if definition.get("notice"):
        fields += [("notice_text", definition["notice"]["text"])]
        fields += [("notice_channels", channel) for channel in definition["notice"]["channels"]]
    return MultiDict(fields)


def _money_text(minor: int, money: Money) -> str:
    units, cents = divmod(minor, 10**money.exponent)
    return f"{units}.{cents:0{money.exponent}d}" if money.exponent else str(units)


def _rule_fields(rule: dict, money: Money) -> list[tuple[str, str]]:
    kind = rule["kind"]
    if kind == "percent_off":
        return [("percent", percent_text(rule["percent_bp"]))]
    if kind == "amount_off":
        return [("amount", _money_text(rule["amount_minor"], money))]
    if kind == "member_price":
        return [("prices", "\n".join(f"{p['sku']} {_money_text(p['price_minor'], money)}" for p in rule["prices"]))]
    if kind == "multi_buy":
        return [("buy", str(rule["buy"])), ("get", str(rule["get"])), ("get_percent", percent_text(rule["percent_bp"]))]
    if kind == "buy_get":
        return [("buy", str(rule["buy_qty"])), ("get", str(rule["get_qty"])),
                ("get_percent", percent_text(rule["percent_bp"])),
                ("get_skus", " ".join(rule["get_scope"]["skus"])),
                ("get_categories", " ".join(rule["get_scope"]["categories"]))]
    if kind == "bundle":
        lines = [f"{c['qty']} x " + (f"category:{c['scope']['categories'][0]}" if c["scope"]["categories"]
                                     else c["scope"]["skus"][0]) for c in rule["components"]]
        return [("components", "\n".join(lines)), ("bundle_price", _money_text(rule["price_minor"], money))]
    if kind == "spend_threshold":
        tier = rule["tiers"][0]
        return [("threshold_min", _money_text(tier["min_spend_minor"], money)),
                ("threshold_off", _money_text(tier["amount_off_minor"], money) if tier["amount_off_minor"] else ""),
                ("threshold_percent", percent_text(tier["percent_bp"]) if tier["percent_bp"] else ""),
                ("threshold_points", str(tier["bonus_points"]) if tier["bonus_points"] else "")]
    return _earning_fields(rule, money)


def _earning_fields(rule: dict, money: Money) -> list[tuple[str, str]]:
    # A version saved before the conditions existed has none of them: the defaults read back the same.
    per_minor = rule.get("per_minor", 0)
    fields = [("bonus_times", percent_text(rule["extra_bp"])),
              ("bonus_fixed", str(rule["fixed_points"]) if rule["fixed_points"] else ""),
              ("bonus_per_points", str(rule["points_per"]) if per_minor else ""),
              ("bonus_per_amount", _money_text(per_minor, money) if per_minor else ""),
              ("bonus_unit_points", str(rule.get("unit_points", 0) or "")),
              ("bonus_multiplier", percent_text(rule.get("multiplier_bp", 10_000))),
              ("bonus_min_order", _money_text(rule["min_order_minor"], money) if rule.get("min_order_minor") else ""),
              ("bonus_min_qty", str(rule.get("min_qty", 0) or ""))]
    return fields + ([("bonus_standalone", "yes")] if rule.get("standalone") else [])


def _local(instant: str, zone: str) -> str:
    return datetime.fromisoformat(instant).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
