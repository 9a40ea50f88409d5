"""The plain checks a journal batch runs before the schemas never pass what the schemas refuse."""

from __future__ import annotations

import copy

import marshmallow as ma
from hypothesis import given, settings
from hypothesis import strategies as st

from server.schemas.transaction_checks import plainly_valid
from server.schemas.transactions import TransactionSchema
from store_sync.journal import JournalItemSchema, _plain_item

SCHEMA = TransactionSchema()

SALE = {
    "id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "kind": "sale", "store": "A", "terminal": "J1",
    "offline": True, "at": "2026-03-02T10:15:00+00:00", "card_number": "2000000000017",
    "lines": [
        {"line_id": "1", "sku": "SKU-1", "qty": 2, "paid_minor": 398, "category": "snacks",
         "discounts": [{"promotion_id": "P3FOR2", "version": 1, "label": "3 for 2", "amount_minor": 199,
                        "coupon_code": None}]},
        {"line_id": "2", "sku": "SKU-2", "qty": 1, "paid_minor": 250, "tax_minor": 20, "excluded": False},
    ],
    "tenders": [{"kind": "cash", "amount_minor": 648, "points": 0}],
    "feed_cursor": 41, "programme_version": 1, "points_earned": None, "coupons": [],
    "rewards": [{"reward_id": "R1", "times": 1, "points": 100}],
}

# Values that sit on, just inside or just outside the schema's bounds, and of every JSON type.
EDGES = st.sampled_from([
    None, True, False, 0, -1, 1, 20, 21, 2**31 - 1, 2**31, 2**63, 10_000_000, 10_000_001, 100_000_000,
    100_000_001, 0.0, 1.5, "", "x", "1", "A", "a b", "sale", "return", "void", "cash", "points", "card",
    "2000000000017", "200000000001", "2000000000017\n", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "2026-03-02T10:15:00+00:00", "2026-03-02T10:15:00", "1999-12-31T23:59:59+00:00", "2100-01-01T00:00:00Z",
    "x" * 32, "x" * 33, "x" * 64, "x" * 65, "x" * 201, [], [{}], {}, {"line_id": "9", "qty": 1}, ["C1", "C1"],
])
PATHS = st.lists(st.sampled_from(["id", "kind", "store", "terminal", "at", "offline", "card_number", "lines",
                                  "tenders", "hold_id", "original_id", "points_earned", "coupons", "feed_cursor",
                                  "programme_version", "rewards", "unknown", "line_id", "sku", "qty", "qty_milli",
                                  "unit_price_minor", "paid_minor", "tax_minor", "category", "excluded",
                                  "discounts", "promotion_id", "version", "label", "amount_minor", "coupon_code",
                                  "kind@tender", "points", "reward_id", "times"]), min_size=1, max_size=4)


def _mutated(body: dict, data, paths: list[str]) -> dict:
    """``body`` with each named field (at the top, in a line, discount, tender or reward) set to an
    edge value or dropped."""
    body = copy.deepcopy(body)
    for path in paths:
        name = path.split("@")[0]
        places = [body, *body["lines"], *body["tenders"], *body["rewards"],
                  *(d for line in body["lines"] if isinstance(line, dict) and isinstance(line.get("discounts"), list)
                    for d in line["discounts"])]
        places = [p for p in places if isinstance(p, dict) and (name in p or data.draw(st.booleans()))] or [body]
        place = data.draw(st.sampled_from(places))
        if data.draw(st.booleans()) and name in place:
            del place[name]
        else:
            place[name] = data.draw(EDGES)
        if not all(isinstance(body.get(k), list) for k in ("lines", "tenders", "rewards")):
            break
    return body


def _loads(body) -> bool:
    try:
        SCHEMA.load(body)
    except ma.ValidationError:
        return False
    return True


def test_a_plain_sale_passes_the_plain_checks():
    assert plainly_valid(SALE) and _loads(SALE)


@settings(max_examples=600, deadline=None)
@given(st.data(), PATHS)
def test_whatever_the_plain_checks_pass_the_schema_loads(data, paths):
    body = _mutated(SALE, data, paths)
    if plainly_valid(body):
        assert _loads(body), body


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["return", "void"]), st.one_of(st.none(), st.just("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c")),
       st.booleans(), st.booleans())
def test_returns_and_voids_pass_the_plain_checks_only_as_the_schema_loads_them(kind, original, rewards, points):
    body = {**copy.deepcopy(SALE), "kind": kind, "original_id": original}
    body["rewards"] = body["rewards"] if rewards else []
    body["tenders"] = [{"kind": "points" if points else "cash", "amount_minor": 648, "points": 0}]
    assert plainly_valid(body) == _loads(body)


ITEM = {"id": SALE["id"], "seq": 7, "type": "transaction", "body": SALE}


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["id", "seq", "type", "body", "extra"]),
       st.one_of(EDGES, st.just({"text": "nul\x00"}), st.just({"k": ["\ud800"]}), st.just(2**63 - 1)),
       st.booleans())
def test_an_item_the_plain_checks_pass_loads_the_same_with_the_schema(name, value, drop):
    item = dict(ITEM)
    if drop:
        item.pop(name, None)
    else:
        item[name] = value
    plain = _plain_item(item)
    try:
        loaded = JournalItemSchema().load(item)
    except ma.ValidationError:
        assert plain is None
    else:
        assert plain is None or plain == loaded


def test_a_plain_item_is_loaded_without_the_schema_as_the_schema_loads_it():
    assert _plain_item(ITEM) == JournalItemSchema().load(ITEM)
