"""The offers and programme rules the scripted day shows one by one, seeded beside the generated chain.

Seeded after the year of history, in force from the start of the demo day (the history keeps the
programme's version 1 and the generator's promotions): programme version 2 (points expire after 18
months instead of 12, and a redemption may start at 300 points instead of 500), an earning rule
(double points on dairy), a spend threshold scoped to snacks, a per-basket cap (25 % off household, at
most 2.00), a buy X get Y (a pasta makes a sauce half price) and a chain-wide usage cap (the first 4
customers get 1.00 off one coffee). The VAT classes are seeded with the stores (``server.demo.seed``).
Rewards bought with points (another change) are seeded and shown beside these.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from server.audit import Actor
from server.membership.programme_versions import add_version, get_version, seed_first_version
from server.pricing.versions import canonical, create_promotion
from server.schemas.promotions import DefinitionSchema
from server.services import Services

CAP_USES, CAP_OFFLINE = 4, 1
V2_MINIMUM_POINTS, V2_EXPIRY_MONTHS = 300, 18


@dataclass
class Features:
    """What the trading day needs to show each seeded feature: labels and the products that trigger them."""

    labels: dict[str, str] = field(default_factory=dict)  # feature -> promotion label
    skus: dict[str, list[str]] = field(default_factory=dict)  # feature -> products that trigger it
    capped_sku: str = ""  # kept out of the day's random baskets, so only the scripted sales use the cap
    definitions: list[dict] = field(default_factory=list)  # the promotions, as the API stores them


def _by_category(products: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for product in sorted(products, key=lambda p: (-p["base_price_minor"], p["sku"])):
        found.setdefault(product["category"], []).append(product)
    return found


def _scope(skus=(), categories=()) -> dict:
    return {"skus": list(skus), "categories": list(categories), "whole_basket": False}


def plan(products: list[dict]) -> Features:
    """The features' promotions over the generated products (the dearest of each category first)."""
    by = _by_category(products)
    coffee = by["coffee"][-1]  # the cheapest: the day's big baskets take the dearest products
    features = Features(capped_sku=coffee["sku"])
    given = {
        "earning": ("Double points on dairy", {"kind": "bonus_points", "extra_bp": 10_000,
                                               "scope": _scope(categories=["dairy"])}, {}),
        "threshold": ("Spend 5.00 on snacks, 10% off snacks",
                      {"kind": "spend_threshold", "scope": _scope(categories=["snacks"]),
                       "tiers": [{"min_spend_minor": 500, "percent_bp": 1000}]}, {}),
        "capped": ("25% off household, at most 2.00", {"kind": "percent_off", "percent_bp": 2500,
                                                       "scope": _scope(categories=["household"])},
                   {"max_discount_minor": 200}),
        "buy_get": ("Buy a pasta, a sauce half price",
                    {"kind": "buy_get", "buy_scope": _scope(categories=["pasta"]), "buy_qty": 1,
                     "get_scope": _scope(categories=["sauces"]), "get_qty": 1, "percent_bp": 5000}, {}),
        "chain_cap": (f"First {CAP_USES} customers: 1.00 off {coffee['name']}",
                      {"kind": "amount_off", "amount_minor": 100, "scope": _scope(skus=[coffee["sku"]])},
                      {"chain_cap": {"max_uses": CAP_USES, "offline_uses": CAP_OFFLINE}}),
    }
    for name, (label, rule, extra) in given.items():
        features.labels[name] = label
        features.definitions.append(canonical(DefinitionSchema().load({"label": label, "rule": rule, **extra})))
    features.skus = {"earning": [by["dairy"][0]["sku"]], "threshold": [by["snacks"][0]["sku"]] * 6,
                     "capped": [p["sku"] for p in by["household"][:3]],
                     "buy_get": [by["pasta"][0]["sku"], by["sauces"][0]["sku"]], "chain_cap": [coffee["sku"]]}
    return features


def seed_features(session: Session, services: Services, products: list[dict], now: datetime,
                  actor: Actor) -> Features:
    """Programme version 2 and the features' promotions, in force from ``now``; the caller commits."""
    seed_first_version(session, services.settings, now)
    body = copy.deepcopy(get_version(session, 1).body)
    body["redemption"]["minimum_points"] = V2_MINIMUM_POINTS
    body["expiry"]["after"] = V2_EXPIRY_MONTHS
    add_version(session, body, now, actor, now, services.settings)
    features = plan(products)
    for definition in features.definitions:
        create_promotion(session, definition, "active", now, actor, services.program)
    return features
