import uuid

import pytest
from sqlalchemy import update

from server.models import Member
from tests.support.factories import login, make_staff, make_terminal
from tests.support.tills import Till

PASTA_EAN = "4006381333931"

PRODUCTS = [
    {"sku": "PASTA", "name": "Fusilli 500 g", "category": "pasta", "base_price_minor": 199,
     "barcodes": [PASTA_EAN]},
    {"sku": "SAUCE", "name": "Tomato sauce", "category": "sauces", "base_price_minor": 349},
    {"sku": "CHIPS", "name": "Paprika chips", "category": "snacks", "base_price_minor": 250},
    {"sku": "COLA", "name": "Cola 1.5 l", "category": "drinks", "base_price_minor": 150},
    {"sku": "CIGS", "name": "Cigarettes", "category": "tobacco", "base_price_minor": 800,
     "excluded_from_points": True},
]


@pytest.fixture
def marketer(client, services):
    make_staff(services, "mia", "marketing")
    return login(client, "mia")


@pytest.fixture
def desk(client, services):
    make_staff(services, "sam", "member_service")
    return login(client, "sam")


@pytest.fixture
def till(client, services, clock):
    return Till(client, make_terminal(services, "B2", "T1"), "B2", "T1", clock)


@pytest.fixture
def catalogue(client, marketer, till):
    """The products, and store B2 (through its till)."""
    response = client.post("/api/v1/products/bulk", json={"items": PRODUCTS}, headers=marketer)
    assert response.status_code == 200, response.json


@pytest.fixture
def enrol(client, desk, services):
    """Enrol a member (tier and points optional); returns (member id, card number)."""

    def make(name="Ada Lovelace", tier=None, points=0):
        response = client.post("/api/v1/members", json={"name": name}, headers=desk)
        assert response.status_code == 201, response.json
        member_id, card = response.json["id"], response.json["card"]["number"]
        if tier:
            with services.db.session() as session:
                session.execute(update(Member).where(Member.id == uuid.UUID(member_id)).values(tier=tier))
                session.commit()
        if points:
            adjusted = client.post(f"/api/v1/members/{member_id}/adjustments", headers=desk,
                                   json={"id": str(uuid.uuid4()), "points": points, "reason": "welcome"})
            assert adjusted.status_code == 201, adjusted.json
        return member_id, card

    return make


def scope(skus=(), categories=(), whole_basket=False) -> dict:
    return {"skus": list(skus), "categories": list(categories), "whole_basket": whole_basket}


@pytest.fixture
def promote(client, marketer):
    """Create a promotion from a label and a rule (plus any definition fields); returns its JSON."""

    def make(label, rule, state="active", **fields):
        response = client.post("/api/v1/promotions", headers=marketer,
                               json={"label": label, "rule": rule, "state": state, **fields})
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def quote(client, marketer):
    def ask(lines, *, card=None, coupons=(), store="B2", headers=None, **extra):
        body = {"store": store, "lines": lines, "card_number": card, "coupons": list(coupons), **extra}
        response = client.post("/api/v1/quotes", json=body, headers=headers or marketer)
        assert response.status_code == 200, response.json
        return response.json

    return ask


def discounts(quote_json: dict) -> dict[str, list[tuple[str, int, int]]]:
    """line id -> [(label, version, amount)] of a quote."""
    return {line["line_id"]: [(d["label"], d["version"], d["amount_minor"]) for d in line["discounts"]]
            for line in quote_json["lines"]}
