"""The programme form: a version's JSON body as fields in people's units (money as money, shares as
percentages), and back.

``fields_of`` prefills the form from a body; ``read`` turns what was typed into a body, with a message
per field for what cannot be read at all (a word where an amount goes). Every rule of the programme
itself is checked by the service (`server.membership.programme_versions.add_version`, which runs
`loyalty.programme_body`); ``place`` puts its field errors beside the fields they name, reworded
where the rule speaks of minor units.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from werkzeug.datastructures import MultiDict

from admin_ui.formatting import decimal_amount
from admin_ui.promotion_form import Money
from store_sync.transactions import TenderKind

TENDERS = tuple(k.value for k in TenderKind if k is not TenderKind.POINTS)
SPARE_TIER_ROWS = 1  # empty rows offered for a new tier

LABELS = {
    "earn_points": "Points earned", "earn_per": "Per amount paid", "earn_basis": "Points are counted on",
    "earn_excluded_categories": "Categories that earn no points",
    "earn_excluded_products": "Products that earn no points",
    "earn_unit_points": "Points per unit sold", "earn_category_multipliers": "Category multipliers",
    "value_points": "Point value: points", "value_amount": "Point value: they pay",
    "block_points": "Redeemed in blocks of (points)",
    "minimum_points": "Least a sale may redeem (points)", "max_share": "Most of a basket points may pay (%)",
    "tenders": "Tenders that may pay beside points", "tier_basis": "Tiers count",
    "tier_window_days": "Over the last (days)",
    "tier_review_months": "Review tiers every", "tier_crossing": "A sale that crosses a threshold",
    "tier_levels": "Tiers", "tier_name": "Tier name", "tier_threshold": "From", "tier_multiplier": "Points multiplier",
    "tier_benefits": "Benefits", "expiry_unit": "Points expire", "expiry_after": "After",
    "expiry_month_end": "At the end of that month", "expiry_zone": "On the calendar of",
    "offline_cap_points": "Offline allowance (points per till)", "offline_window_hours": "Allowance window (hours)",
    "offline_hold_seconds": "Online hold lifetime (seconds)", "offline_data_age_hours": "Oldest usable data (hours)",
    "effective_from": "Takes effect (UTC)",
}

_FIELD_OF = {
    "earning.points": "earn_points", "earning.per_amount_minor": "earn_per", "earning.basis": "earn_basis",
    "earning.excluded_products": "earn_excluded_products", "earning.excluded_categories": "earn_excluded_categories",
    "earning.unit_points": "earn_unit_points", "earning.category_multipliers": "earn_category_multipliers",
    "redemption.point_value.points": "value_points", "redemption.point_value.minor": "value_amount",
    "redemption.block_points": "block_points", "redemption.minimum_points": "minimum_points",
    "redemption.max_share": "max_share", "redemption.combinable_tenders": "tenders",
    "tiers.basis": "tier_basis", "tiers.window_days": "tier_window_days", "tiers.review_months": "tier_review_months",
    "tiers.crossing_sale_earns_new_tier": "tier_crossing", "tiers.levels": "tier_levels",
    "expiry.unit": "expiry_unit", "expiry.after": "expiry_after", "expiry.month_end": "expiry_month_end",
    "expiry.time_zone": "expiry_zone", "offline.cap_points": "offline_cap_points",
    "offline.window_hours": "offline_window_hours", "offline.hold_ttl_seconds": "offline_hold_seconds",
    "offline.max_data_age_hours": "offline_data_age_hours", "effective_from": "effective_from",
}
_LEVEL = re.compile(r"^tiers\.levels\.(\d+)\.(name|threshold|multiplier|benefits)$")


def ratio_text(ratio: Fraction) -> str:
    """A multiplier as people write it: 3/2 -> '1.5', 4/3 -> '4/3' (no decimal says it exactly)."""
    decimal = _exact_decimal(ratio)
    return decimal if decimal is not None else f"{ratio.numerator}/{ratio.denominator}"


def share_text(ratio: Fraction) -> str:
    """A share of the basket as a percentage: 1/2 -> '50', 1/3 -> '1/3' (kept as a fraction)."""
    decimal = _exact_decimal(ratio * 100)
    return decimal if decimal is not None else f"{ratio.numerator}/{ratio.denominator}"


def _exact_decimal(ratio: Fraction) -> str | None:
    for places in range(5):
        scaled = ratio * 10**places
        if scaled.denominator == 1:
            text = f"{Decimal(scaled.numerator).scaleb(-places):f}"
            return text
    return None


def fields_of(body: dict, money: Money) -> dict:
    """The form's fields filled from a programme body (the version it starts from)."""
    e, r, t, x, o = (body[k] for k in ("earning", "redemption", "tiers", "expiry", "offline"))
    spend = t["basis"] == "spend"
    fields = {
        "earn_points": str(e["points"]), "earn_per": _amount(e["per_amount_minor"], money), "earn_basis": e["basis"],
        "earn_excluded_categories": ", ".join(e["excluded_categories"]),
        "earn_excluded_products": ", ".join(e["excluded_products"]),
        "earn_unit_points": "\n".join(f"{sku} {points}" for sku, points in e["unit_points"].items()),
        "earn_category_multipliers": "\n".join(f"{name} {ratio_text(Fraction(value))}"
                                               for name, value in e["category_multipliers"].items()),
        "value_points": str(r["point_value"]["points"]), "value_amount": _amount(r["point_value"]["minor"], money),
        "block_points": str(r["block_points"]), "minimum_points": str(r["minimum_points"]),
        "max_share": share_text(Fraction(r["max_share"])), "tenders": list(r["combinable_tenders"]),
        "tier_basis": t["basis"], "tier_window_days": str(t["window_days"]),
        "tier_review_months": str(t["review_months"]),
        "tier_crossing": "new" if t["crossing_sale_earns_new_tier"] else "old",
        "expiry_unit": x["unit"], "expiry_after": str(x["after"]), "expiry_month_end": x["month_end"],
        "expiry_zone": x["time_zone"], "offline_cap_points": str(o["cap_points"]),
        "offline_window_hours": str(o["window_hours"]), "offline_hold_seconds": str(o["hold_ttl_seconds"]),
        "offline_data_age_hours": str(o["max_data_age_hours"]), "effective_from": "",
    }
    levels = t["levels"]
    for i, level in enumerate(levels):
        fields |= {f"tier_name_{i}": level["name"],
                   f"tier_threshold_{i}": _amount(level["threshold"], money) if spend else str(level["threshold"]),
                   f"tier_multiplier_{i}": ratio_text(Fraction(level["multiplier"])),
                   f"tier_benefits_{i}": "; ".join(level["benefits"])}
    fields["tier_rows"] = str(len(levels) + SPARE_TIER_ROWS)
    return fields


def fields_from_form(form: MultiDict) -> dict:
    """The fields as typed, to show again beside their messages."""
    fields = {name: form.get(name, "") for name in form if name not in ("csrf_token", "tenders")}
    fields["tenders"] = form.getlist("tenders")
    fields["expiry_month_end"] = form.get("expiry_month_end") == "yes"
    return fields


def read(form: MultiDict, money: Money) -> tuple[dict, datetime | None, dict[str, str], list[int]]:
    """The programme body and effective time the form describes, a message per field that could not
    be read (the programme's own rules are not checked here), and the form row of each tier."""
    reader = _Reader(form, money)
    spend = form.get("tier_basis") == "spend"
    body = {
        "earning": {"points": reader.integer("earn_points"), "per_amount_minor": reader.amount("earn_per"),
                    "unit_points": reader.pairs("earn_unit_points", reader.whole, "SKU123 2"),
                    "excluded_products": reader.names("earn_excluded_products"),
                    "excluded_categories": reader.names("earn_excluded_categories"),
                    "category_multipliers": reader.pairs("earn_category_multipliers", reader.ratio, "produce 2"),
                    "basis": form.get("earn_basis", "")},
        "redemption": {"point_value": {"points": reader.integer("value_points"),
                                       "minor": reader.amount("value_amount")},
                       "block_points": reader.integer("block_points"),
                       "minimum_points": reader.integer("minimum_points"),
                       "max_share": reader.share("max_share"), "combinable_tenders": sorted(form.getlist("tenders"))},
        "tiers": {"basis": form.get("tier_basis", ""), "window_days": reader.integer("tier_window_days"),
                  "review_months": reader.integer("tier_review_months"),
                  "crossing_sale_earns_new_tier": form.get("tier_crossing") == "new",
                  "levels": reader.levels(spend)},
        "expiry": {"unit": form.get("expiry_unit", ""), "after": reader.integer("expiry_after"),
                   "month_end": form.get("expiry_month_end") == "yes",
                   "time_zone": form.get("expiry_zone", "").strip()},
        "offline": {"cap_points": reader.integer("offline_cap_points"),
                    "window_hours": reader.integer("offline_window_hours"),
                    "hold_ttl_seconds": reader.integer("offline_hold_seconds"),
                    "max_data_age_hours": reader.integer("offline_data_age_hours")},
    }
    return body, reader.instant("effective_from"), reader.errors, reader.tier_rows


def place(errors: dict[str, list[str]], money: Money, found: dict[str, str], tier_rows: list[int]) -> None:
    """Put the service's field errors (dotted paths, 'programme.' first) beside the form's fields;
    ``tier_rows`` is the form row of each tier the body lists."""
    for path, reasons in errors.items():
        path = path.removeprefix("programme.")
        level = _LEVEL.match(path)
        if level:
            index = int(level.group(1))
            row = tier_rows[index] if index < len(tier_rows) else index
            field = f"tier_{level.group(2)}_{row}"
            label = f"Tier {row + 1}, {LABELS[f'tier_{level.group(2)}'].lower()}"
        else:
            key = next((k for k in sorted(_FIELD_OF, key=len, reverse=True) if path == k or path.startswith(k + ".")),
                       None)
            field = _FIELD_OF.get(key, "tier_levels") if key else "form"
            label = LABELS.get(field, "The programme")
            if key and path != key:  # a member of a list: name it (a product code, a category)
                label = f"{label} ({path[len(key) + 1:]})"
        text = "; ".join(_in_money(reason, money) for reason in reasons)
        found.setdefault(field, f"{label}: {text}.")


def _in_money(reason: str, money: Money) -> str:
    """The rule's words with minor units written as money ('per minor unit' -> 'per €0.01')."""
    one = _amount(1, money, symbol=True)
    reason = reason.replace("one point per minor unit paid", f"one point per {one} paid")
    reason = re.sub(r"a whole number of minor units at (\d+) points = (\d+)",
                    lambda m: f"a whole amount of money (to the {one}) when {m.group(1)} points pay "
                              f"{_amount(int(m.group(2)), money, symbol=True)}", reason)
    return reason


def _amount(minor: int, money: Money, symbol: bool = False) -> str:
    text = decimal_amount(minor, money.exponent)
    return f"{money.currency} {text}" if symbol else text


class _Reader:
    def __init__(self, form: MultiDict, money: Money) -> None:
        self.form, self.money, self.errors = form, money, {}
        self.tier_rows: list[int] = []

    def fail(self, name: str, message: str) -> None:
        if name[-1].isdigit():  # a tier row's field: tier_threshold_0 is the first tier's threshold
            base, row = name.rsplit("_", 1)
            label = f"Tier {int(row) + 1}, {LABELS[base].lower()}"
        else:
            label = LABELS.get(name, name)
        self.errors.setdefault(name, f"{label}: {message}")

    def integer(self, name: str) -> int | None:
        text = self.form.get(name, "").strip().replace(",", "")
        if re.fullmatch(r"-?\d{1,10}", text):
            return int(text)
        self.fail(name, "write a whole number, e.g. 500.")
        return 0

    def amount(self, name: str) -> int:
        found = self.money.parse(self.form.get(name, ""))
        if found is None:
            self.fail(name, f"write an amount in {self.money.currency}, e.g. {self.money.example()}.")
            return 1
        return found

    def whole(self, text: str) -> int | None:
        return int(text) if re.fullmatch(r"\d{1,9}", text) else None

    def ratio(self, text: str) -> str | None:
        try:
            value = Fraction(Decimal(text)) if "/" not in text else Fraction(text)
        except (InvalidOperation, ValueError, ZeroDivisionError):
            return None
        return str(value) if value >= 0 else None

    def share(self, name: str) -> str:
        text = self.form.get(name, "").strip().rstrip("%").strip()
        if "/" in text:
            found = self.ratio(text)
        else:
            found = self.ratio(text)
            found = str(Fraction(found) / 100) if found is not None else None
        if found is None:
            self.fail(name, "write a percentage such as 50 or 33.5 (or a fraction of the basket such as 1/3).")
            return "0"
        return found

    def names(self, name: str) -> list[str]:
        return [part.strip() for part in re.split(r"[,\n]", self.form.get(name, "")) if part.strip()]

    def pairs(self, name: str, value_of, example: str) -> dict:
        found = {}
        for number, line in enumerate(self.form.get(name, "").splitlines(), start=1):
            if not line.strip():
                continue
            key, _, text = line.strip().rpartition(" ")
            value = value_of(text.strip()) if key.strip() else None
            if value is None:
                self.fail(name, f"line {number}: write a code, a space and a number, e.g. {example}.")
            else:
                found[key.strip()] = value
        return found

    def levels(self, spend: bool) -> list[dict]:
        try:
            rows = min(int(self.form.get("tier_rows", "0")), 20)
        except ValueError:
            rows = 0
        found = []
        for i in range(rows):
            name = self.form.get(f"tier_name_{i}", "").strip()
            if not name:  # an empty row: a tier removed, or the spare row left unused
                continue
            threshold = (self.amount if spend else self.integer)(f"tier_threshold_{i}")
            multiplier = self.ratio(self.form.get(f"tier_multiplier_{i}", "").strip() or "1")
            if multiplier is None:
                self.fail(f"tier_multiplier_{i}", "write a number such as 1.5 or a fraction such as 3/2.")
            benefits = [b.strip() for b in self.form.get(f"tier_benefits_{i}", "").split(";") if b.strip()]
            self.tier_rows.append(i)
            found.append({"name": name, "threshold": threshold, "multiplier": multiplier or "1",
                          "benefits": benefits})
        if not found:
            self.errors["tier_levels"] = "Tiers: name at least one tier, starting from 0."
        return found

    def instant(self, name: str) -> datetime | None:
        text = self.form.get(name, "").strip().replace("T", " ")
        if not text:
            return None
        try:
            return datetime.strptime(text[:16], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        except ValueError:
            self.fail(name, "write the date and time as 2026-12-01 06:00 (UTC), or leave it empty for now.")
            return None
