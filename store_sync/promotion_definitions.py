"""Promotion definitions as JSON (the API's form, stored per version, carried by the feed) to the
engine's ``promotions.Promotion``: one codec for the server and every till.

The engine validates every value on construction, so building the ``Promotion`` is also how a
definition is checked: ``InvalidPromotion`` names the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from promotions import (
    AmountOff,
    BonusPoints,
    Bundle,
    BundleComponent,
    BuyGet,
    ChainCap,
    CouponRule,
    HourRange,
    MemberPrice,
    MultiBuy,
    PercentOff,
    Period,
    Promotion,
    Reward,
    RewardKind,
    Scope,
    SpendBasis,
    SpendThreshold,
    Targeting,
    ThresholdTier,
    UsageLimit,
    Window,
)

# A coupon promotion saved before its batch is generated has no code yet; the engine needs one
# to validate the rest, and the catalogue leaves out a coupon promotion without real codes.
_PLACEHOLDER_CODE = "-"
# States in which a promotion prices: a scheduled one applies once its window opens (the engine
# checks the window), exactly as on the server.
LIVE_STATES = frozenset({"scheduled", "active"})


def _scope(data: dict) -> Scope:
    return Scope(frozenset(data["skus"]), frozenset(data["categories"]), data["whole_basket"])


def _member_price(rule: dict):
    return MemberPrice(tuple((p["sku"], p["price_minor"]) for p in rule["prices"]))


def _bundle(rule: dict):
    parts = tuple(BundleComponent(_scope(c["scope"]), c["qty"]) for c in rule["components"])
    return Bundle(parts, rule["price_minor"], rule["max_applications"])


def _threshold(rule: dict):
    # Versions saved before bases and scopes existed count the whole basket, gross.
    scope = _scope(rule["scope"]) if "scope" in rule else Scope(whole_basket=True)
    return SpendThreshold(tuple(
        ThresholdTier(t["min_spend_minor"], t["amount_off_minor"], t["percent_bp"], t["bonus_points"])
        for t in rule["tiers"]), SpendBasis(rule.get("basis", SpendBasis.GROSS)), scope)


def _buy_get(rule: dict):
    return BuyGet(_scope(rule["buy_scope"]), rule["buy_qty"], _scope(rule["get_scope"]), rule["get_qty"],
                  rule["percent_bp"], rule["max_applications"])


def _reward(rule: dict) -> Reward:
    scope = _scope(rule["scope"]) if rule.get("scope") else None
    return Reward(RewardKind(rule["reward"]), rule["points"], rule.get("sku") or "", rule.get("amount_minor") or 0,
                  rule.get("percent_bp") or 0, scope, rule.get("max_per_basket", 1))


RULES = {
    "member_price": _member_price,
    "percent_off": lambda r: PercentOff(r["percent_bp"], _scope(r["scope"]), r["after_amounts"]),
    "amount_off": lambda r: AmountOff(r["amount_minor"], _scope(r["scope"])),
    "multi_buy": lambda r: MultiBuy(r["buy"], r["get"], _scope(r["scope"]), r["percent_bp"],
                                    r["max_applications"]),
    "buy_get": _buy_get,
    "bundle": _bundle,
    "spend_threshold": _threshold,
    "bonus_points": lambda r: _earning_rule(r),
    "reward": _reward,
}

# Earning-rule fields added after extra_bp and fixed_points: a version saved before them has none,
# and these defaults give it its old meaning (points on top of base earning, no conditions).
_EARNING_DEFAULTS = {"points_per": 0, "per_minor": 0, "unit_points": 0, "multiplier_bp": 10_000,
                     "min_order_minor": 0, "min_qty": 0, "standalone": False}


def _earning_rule(rule: dict) -> BonusPoints:
    extra = {name: rule.get(name, default) for name, default in _EARNING_DEFAULTS.items()}
    return BonusPoints(_scope(rule["scope"]), rule["extra_bp"], rule["fixed_points"], **extra)


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _window(data: dict) -> Window:
    hours = tuple(HourRange.of(h["start"], h["end"]) for h in data["hours"])
    return Window(_instant(data["start"]), _instant(data["end"]), frozenset(data["weekdays"]), hours)


def _targeting(data: dict) -> Targeting:
    # Versions saved before hold-outs (or personal offers) existed have no "holdout_bp" ("clip"):
    # they hold out no one (and need no clipping).
    return Targeting(data["members_only"], frozenset(data["tiers"]), frozenset(data["segments"]),
                     frozenset(data["member_ids"]), data.get("holdout_bp", 0), data.get("clip", False))


def _usage_limit(data: dict | None) -> UsageLimit | None:
    return UsageLimit(data["max_uses"], Period(data["period"])) if data else None


def _chain_cap(data: dict | None) -> ChainCap | None:
    # Versions saved before chain-wide caps have no "chain_cap": uncapped.
    return ChainCap(data["max_uses"], data.get("offline_uses", 0)) if data else None


def _coupon(data: dict | None, codes: Iterable[str]) -> CouponRule | None:
    if data is None:
        return None
    return CouponRule(frozenset(codes) or frozenset({_PLACEHOLDER_CODE}), data["single_use"],
                      data["per_member_limit"])


def to_promotion(promotion_id: str, version: int, definition: dict, codes: Iterable[str] = ()) -> Promotion:
    """Build the engine's promotion from a definition (its canonical JSON form, every key present).

    Raises:
        InvalidPromotion: the definition contradicts itself; names the field.
    """
    return Promotion(
        promotion_id, version, definition["label"], RULES[definition["rule"]["kind"]](definition["rule"]),
        priority=definition["priority"], exclusive=definition["exclusive"],
        window=_window(definition["window"]), stores=frozenset(definition["stores"]),
        targeting=_targeting(definition["targeting"]), usage_limit=_usage_limit(definition["usage_limit"]),
        coupon=_coupon(definition["coupon"], codes),
        max_discount=definition.get("max_discount_minor"),  # versions saved before caps: uncapped
        chain_cap=_chain_cap(definition.get("chain_cap")))


def from_payload(payload: dict) -> Promotion:
    """The engine's promotion from a feed payload (store_sync.entities.PromotionPayload)."""
    return to_promotion(payload["id"], payload["version"], payload["definition"], payload.get("codes", ()))


def has_real_codes(promotion: Promotion) -> bool:
    """False for a coupon promotion whose codes are not generated yet: it can never apply."""
    return promotion.coupon is None or _PLACEHOLDER_CODE not in promotion.coupon.codes
