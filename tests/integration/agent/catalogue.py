"""A small store catalogue as the change feed carries it, with real numbers, for agent tests.

Program rules mirror the server's defaults (1 point per 1.00, silver x5/4, gold x3/2, 100 points
pay 1.00, at least 500, at most half the basket, offline 2000 points per 24 h, data max 12 h old).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.pricing.versions import canonical
from server.schemas.promotions import DefinitionSchema

STORE = "B1"

PROGRAM = {
    "currency": "EUR", "card_prefix": "27", "points_per_unit": 1, "unit_minor": 100,
    "tier_multipliers": {"silver": "5/4", "gold": "3/2"}, "excluded_categories": ["tobacco", "gift-cards"],
    "expiry_months": 12, "redeem_step_points": 100, "redeem_step_minor": 100, "redeem_minimum_points": 500,
    "redeem_max_share": "1/2", "offline_cap_points": 2000, "offline_window_hours": 24,
    "offline_max_data_age_hours": 12, "hold_ttl_seconds": 900,
}

BREAD = {"sku": "BREAD", "name": "Sourdough bread", "category": "bakery", "base_price_minor": 249,
         "barcodes": ["4006381333931"]}
WINE = {"sku": "WINE", "name": "Rioja 0.75l", "category": "wine", "base_price_minor": 1299,
        "barcodes": ["4001686301265"]}
COFFEE = {"sku": "COFFEE", "name": "Coffee beans 1kg", "category": "pantry", "base_price_minor": 1500,
          "barcodes": ["4000417025005"]}
CHEESE = {"sku": "CHEESE", "name": "Gouda by weight", "category": "deli", "base_price_minor": 1990,
          "barcodes": ["12345"]}  # the PLU inside weight-embedded codes 28 12345 ...
CIGARETTES = {"sku": "CIGS", "name": "Cigarettes", "category": "tobacco", "base_price_minor": 850,
              "excluded_from_points": True, "barcodes": ["4002515289693"]}
PRODUCTS = (BREAD, WINE, COFFEE, CHEESE, CIGARETTES)

def definition(**given: Any) -> dict[str, Any]:
    """A promotion definition in its canonical JSON form, as the server stores and publishes it."""
    return canonical(DefinitionSchema().load(given))


MEMBER_PRICE = {"id": "PROMO-MEMBER-COFFEE", "version": 1, "state": "active", "definition": definition(
    label="Member price", rule={"kind": "member_price", "prices": [{"sku": "COFFEE", "price_minor": 1200}]})}
WINE_DEAL = {"id": "PROMO-WINE-10", "version": 2, "state": "active", "definition": definition(
    label="10% off wine", rule={"kind": "percent_off", "percent_bp": 1000, "scope": {"categories": ["wine"]}})}
PROMOTIONS = (MEMBER_PRICE, WINE_DEAL)


def member_payload(member_id: str, *, available: int, tier: str = "basic", taken_at: datetime,
                   name: str = "Ada Member") -> dict[str, Any]:
    return {"id": member_id, "name": name, "tier": tier, "home_store": STORE, "balance": available,
            "available": available, "debt": 0, "taken_at": taken_at.isoformat(), "segments": [],
            "promotion_uses": []}


def card_payload(number: str, member_id: str, state: str = "active") -> dict[str, Any]:
    return {"number": number, "member_id": member_id, "state": state, "chip_uid": None}


def catalogue_changes() -> list[tuple[str, str, str, dict[str, Any], str | None]]:
    """(entity_type, entity_id, op, payload, store) for the store, its rules, products and promotions."""
    changes = [("store", STORE, "upsert", {"code": STORE, "name": "OneCard Market Berlin",
                                           "timezone": "Europe/Berlin"}, STORE),
               ("program", "loyalty", "upsert", PROGRAM, None)]
    changes += [("product", p["sku"], "upsert", p, None) for p in PRODUCTS]
    changes += [("promotion", p["id"], "upsert", p, None) for p in PROMOTIONS]
    return changes
