"""Promotion definitions as the feed carries them (plain JSON) -> ``promotions.Promotion``.

The feed's ``promotion`` payload holds ``definition``: the active version's rule. Until the
server's promotions API fixes the shape, this is it (``rule.kind`` picks the rule class)::

    {"label": "Member price", "priority": 0, "exclusive": false, "stores": ["B1"],
     "window": {"start": iso, "end": iso, "weekdays": [1], "hours": [["17:00", "19:00"]]},
     "targeting": {"members_only": false, "tiers": [], "segments": [], "member_ids": []},
     "usage_limit": {"max_uses": 1, "period": "week"},
     "coupon": {"codes": ["SPRING"], "single_use": false, "per_member_limit": null},
     "rule": {"kind": "member_price", "prices": {"SKU": 199}}}
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from promotions import (
    AmountOff,
    BonusPoints,
    Bundle,
    BundleComponent,
    CouponRule,
    HourRange,
    MemberPrice,
    MultiBuy,
    PercentOff,
    Period,
    Promotion,
    Scope,
    SpendThreshold,
    Targeting,
    ThresholdTier,
    UsageLimit,
    Window,
)


def promotion_from_payload(payload: dict[str, Any]) -> Promotion:
    """Build the engine's promotion from a feed payload (id, version, definition)."""
    d = payload["definition"]
    return Promotion(
        promotion_id=payload["id"], version=payload["version"], label=d["label"], rule=_rule(d["rule"]),
        priority=d.get("priority", 0), exclusive=d.get("exclusive", False), window=_window(d.get("window")),
        stores=frozenset(d.get("stores", ())), targeting=_targeting(d.get("targeting")),
        usage_limit=_usage(d.get("usage_limit")), coupon=_coupon(d.get("coupon")))


def _scope(raw: dict[str, Any] | None) -> Scope:
    raw = raw or {}
    return Scope(skus=frozenset(raw.get("skus", ())), categories=frozenset(raw.get("categories", ())),
                 whole_basket=raw.get("whole_basket", False))


def _member_price(r: dict) -> MemberPrice:
    return MemberPrice(prices=tuple(sorted(r["prices"].items())))


def _percent_off(r: dict) -> PercentOff:
    return PercentOff(r["percent_bp"], _scope(r.get("scope")), r.get("after_amounts", False))


def _amount_off(r: dict) -> AmountOff:
    return AmountOff(r["amount"], _scope(r.get("scope")))


def _multi_buy(r: dict) -> MultiBuy:
    return MultiBuy(r["buy"], r["get"], _scope(r.get("scope")), r.get("percent_bp", 10_000),
                    r.get("max_applications"))


def _bundle(r: dict) -> Bundle:
    parts = tuple(BundleComponent(_scope(c.get("scope")), c.get("qty", 1)) for c in r["components"])
    return Bundle(parts, r["price"], r.get("max_applications"))


def _threshold(r: dict) -> SpendThreshold:
    return SpendThreshold(tuple(ThresholdTier(**tier) for tier in r["tiers"]))


def _bonus(r: dict) -> BonusPoints:
    return BonusPoints(_scope(r.get("scope")), r.get("extra_bp", 0), r.get("fixed_points", 0))


_RULES: dict[str, Callable[[dict], Any]] = {
    "member_price": _member_price, "percent_off": _percent_off, "amount_off": _amount_off,
    "multi_buy": _multi_buy, "bundle": _bundle, "spend_threshold": _threshold, "bonus_points": _bonus,
}


def _rule(raw: dict[str, Any]):
    return _RULES[raw["kind"]](raw)


def _window(raw: dict[str, Any] | None) -> Window:
    if not raw:
        return Window()
    return Window(start=_instant(raw.get("start")), end=_instant(raw.get("end")),
                  weekdays=frozenset(raw.get("weekdays", ())),
                  hours=tuple(HourRange.of(a, b) for a, b in raw.get("hours", ())))


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _targeting(raw: dict[str, Any] | None) -> Targeting:
    raw = raw or {}
    return Targeting(members_only=raw.get("members_only", False), tiers=frozenset(raw.get("tiers", ())),
                     segments=frozenset(raw.get("segments", ())), member_ids=frozenset(raw.get("member_ids", ())))


def _usage(raw: dict[str, Any] | None) -> UsageLimit | None:
    return None if not raw else UsageLimit(raw["max_uses"], Period(raw.get("period", "ever")))


def _coupon(raw: dict[str, Any] | None) -> CouponRule | None:
    if not raw:
        return None
    return CouponRule(frozenset(raw["codes"]), raw.get("single_use", False), raw.get("per_member_limit"))
