"""What one member sale adds to the change feed in each ONECARD_MEMBER_CACHE mode, and who reads it.

The figures the README quotes for a 300-store chain: a member whose home store is B2 buys at K7
(where they bought before) in a chain of three stores. Per sale, ``all`` appends one member change
that every store's tills read, ``home`` one that the home store's tills read, ``recent`` one for
the home store and one for each store visited in the window. A journal batch publishes a member
once however many of their sales it holds.
"""

import uuid

import pytest
from sqlalchemy import func, select

from server.models import ChangeRecord
from tests.support.factories import login, make_terminal
from tests.support.tills import Till, line

STORES = ("B2", "K7", "M3")
# mode -> (member changes appended per sale, stores whose tills read them), for the sale above.
FAN_OUT = {"all": (1, 3), "home": (1, 1), "recent": (2, 2)}


@pytest.fixture(params=sorted(FAN_OUT))
def settings_values(request, settings_values):
    return {**settings_values, "member_cache": request.param}


@pytest.fixture
def shop(client, services, clock):
    """A till of K7; stores B2 and M3 get a till each too, so the chain has three stores."""
    for store in ("B2", "M3"):
        make_terminal(services, store, "T9")
    return Till(client, make_terminal(services, "K7", "T1"), "K7", "T1", clock)


def _member(client):
    response = client.post("/api/v1/members", json={"name": "Shopper", "home_store": "B2"},
                           headers=login(client, "sam"))
    assert response.status_code == 201, response.json
    return response.json["card"]["number"]


def _member_changes_after(services, order_key: int) -> list[str | None]:
    with services.db.session() as session:
        return list(session.scalars(select(ChangeRecord.store_code).where(
            ChangeRecord.entity_type == "member", ChangeRecord.order_key > order_key)))


def _last_key(services) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.coalesce(func.max(ChangeRecord.order_key), 0)))


def _fan_out(scopes: list[str | None]) -> tuple[int, int]:
    """(changes appended, stores whose feed carries at least one of them)."""
    readers = set(STORES) if None in scopes else set(scopes)
    return len(scopes), len(readers)


def _journal_sale(shop, card, paid):
    sale_id = str(uuid.uuid4())
    return {"id": sale_id, "type": "transaction", "body": {
        "id": sale_id, "kind": "sale", "store": shop.store, "terminal": shop.terminal, "offline": True,
        "at": shop.clock().isoformat(), "card_number": card, "lines": [line("1", paid)],
        "tenders": [{"kind": "cash", "amount_minor": paid}]}}


def test_a_member_sale_fans_out_to_the_stores_its_mode_names(client, desk, services, shop, settings_values):
    card = _member(client)
    assert shop.sale([line("1", 1000)], card=card).status_code == 201  # a first visit to K7
    before = _last_key(services)
    assert shop.sale([line("1", 2000)], card=card).status_code == 201
    assert _fan_out(_member_changes_after(services, before)) == FAN_OUT[settings_values["member_cache"]]


def test_a_journal_batch_publishes_a_member_once_for_all_their_sales(client, desk, services, shop,
                                                                      settings_values):
    card = _member(client)
    assert shop.sale([line("1", 1000)], card=card).status_code == 201
    before = _last_key(services)
    batch = {"protocol_version": 1, "store": shop.store, "terminal": shop.terminal,
             "items": [{**_journal_sale(shop, card, 500 * n), "seq": n} for n in range(1, 6)]}
    response = shop.request("POST", "/api/v1/sync/journal", batch)
    assert [r["status"] for r in response.json["results"]] == ["applied"] * 5
    assert _fan_out(_member_changes_after(services, before)) == FAN_OUT[settings_values["member_cache"]]
