"""The definition codec shared by server and till reads the new offer fields, and old versions alike."""

from promotions import BuyGet, Scope, SpendBasis
from store_sync.promotion_definitions import to_promotion


def _definition(rule: dict, **extra) -> dict:
    return {"label": "offer", "rule": rule, "priority": 0, "exclusive": False,
            "window": {"start": None, "end": None, "weekdays": [], "hours": []}, "stores": [],
            "targeting": {"members_only": False, "tiers": [], "segments": [], "member_ids": [], "holdout_bp": 0},
            "usage_limit": None, "coupon": None, **extra}


def _scope(skus=(), categories=(), whole_basket=False) -> dict:
    return {"skus": list(skus), "categories": list(categories), "whole_basket": whole_basket}


def test_a_threshold_saved_before_scopes_and_caps_counts_the_whole_basket_uncapped():
    old = to_promotion("p", 3, _definition({"kind": "spend_threshold", "tiers": [
        {"min_spend_minor": 5000, "amount_off_minor": 500, "percent_bp": 0, "bonus_points": 0}]}))
    assert old.rule.scope == Scope(whole_basket=True) and old.rule.basis is SpendBasis.GROSS
    assert old.max_discount is None


def test_a_scoped_capped_threshold_and_a_buy_get_decode_field_for_field():
    scoped = to_promotion("p", 1, _definition({"kind": "spend_threshold", "basis": "net",
                                               "scope": _scope(categories=["coffee"]), "tiers": [
        {"min_spend_minor": 4000, "amount_off_minor": 0, "percent_bp": 1000, "bonus_points": 0}]},
        max_discount_minor=750))
    assert scoped.rule.scope == Scope(categories=frozenset({"coffee"})) and scoped.max_discount == 750
    buy_get = to_promotion("q", 1, _definition({"kind": "buy_get", "buy_scope": _scope(["COFFEE"]), "buy_qty": 2,
                                                "get_scope": _scope(categories=["pastry"]), "get_qty": 1,
                                                "percent_bp": 5000, "max_applications": 3}))
    assert buy_get.rule == BuyGet(Scope(skus=frozenset({"COFFEE"})), 2, Scope(categories=frozenset({"pastry"})), 1,
                                  5000, 3)
