"""The chain's promotions: the offers every sale is priced against, two of them targeted with hold-outs."""

from __future__ import annotations

import random
from datetime import timedelta

from promotions import Catalogue
from server.demo.bulk import Writer
from server.demo.chain import Chain, uid
from server.pricing.versions import canonical
from server.schemas.promotions import DefinitionSchema
from store_sync.promotion_definitions import to_promotion


def promotion_definitions(chain: Chain) -> list[dict]:
    """The chain's offers; the two targeted ones hold out members, in windows of up to four and three
    weeks starting 55 % and 80 % of the way through the period."""
    by_category: dict[str, list[str]] = {}
    for p in chain.products:
        by_category.setdefault(p["category"], []).append(p["sku"])
    days = chain.size.days
    late, later = chain.start + timedelta(days=days * 55 // 100), chain.start + timedelta(days=days * 80 // 100)
    four_weeks, three_weeks = timedelta(days=max(1, min(28, days // 4))), timedelta(days=max(1, min(21, days // 5)))

    def scope(categories=(), skus=()):
        return {"skus": list(skus), "categories": list(categories), "whole_basket": False}

    return [
        {"label": "10 % off produce", "rule": {"kind": "percent_off", "percent_bp": 1000,
                                               "scope": scope(["produce"])}},
        {"label": "3 for 2 snacks", "rule": {"kind": "multi_buy", "buy": 2, "get": 1, "scope": scope(["snacks"])}},
        {"label": "Double points on coffee", "rule": {"kind": "bonus_points", "extra_bp": 10_000,
                                                      "scope": scope(["coffee"])}},
        {"label": "Member prices on bakery", "rule": {"kind": "member_price", "prices": [
            {"sku": sku, "price_minor": 0} for sku in by_category["bakery"][:20]]}},
        {"label": "Members: 20 % off dairy", "rule": {"kind": "percent_off", "percent_bp": 2000,
                                                      "scope": scope(["dairy"])},
         "targeting": {"members_only": True, "holdout_bp": 1000},
         "window": {"start": late.isoformat(), "end": (late + four_weeks).isoformat()}},
        {"label": "Gold: 15 % off wine", "rule": {"kind": "percent_off", "percent_bp": 1500, "scope": scope(["wine"])},
         "targeting": {"tiers": ["gold"], "holdout_bp": 2000},
         "window": {"start": later.isoformat(), "end": (later + three_weeks).isoformat()}},
        # Rewards bought with points: they apply only when a member takes one at a till, so the
        # generated sales (which take none) are priced the same with them in the catalogue.
        {"label": "Free coffee beans", "rule": {"kind": "reward", "reward": "free_product", "points": 1200,
                                                 "sku": by_category["coffee"][0]}},
        {"label": "5.00 voucher", "rule": {"kind": "reward", "reward": "voucher", "points": 500, "amount_minor": 500},
         "usage_limit": {"max_uses": 1, "period": "week"}},
    ]


def build_promotions(chain: Chain, rng: random.Random, out: Writer) -> None:
    prices = {p["sku"]: p["base_price_minor"] for p in chain.products}
    engine = []
    for given in promotion_definitions(chain):
        if given["rule"]["kind"] == "member_price":  # a tenth off the shelf price, for members
            given["rule"]["prices"] = [{"sku": p["sku"], "price_minor": prices[p["sku"]] * 9 // 10}
                                       for p in given["rule"]["prices"]]
        definition = canonical(DefinitionSchema().load(given))
        promotion_id, created = uid(rng), chain.start - timedelta(days=30)
        out.add("promotions", promotion_id, given["rule"]["kind"], 1, "active", created, created)
        out.add("promotion_versions", promotion_id, 1, definition, created, "server.demo.generator")
        engine.append(to_promotion(str(promotion_id), 1, definition))
    chain.catalogue = Catalogue(engine)
