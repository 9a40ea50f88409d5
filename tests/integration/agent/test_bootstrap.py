"""A new till's bootstrap: the snapshot page by page, applied set-wise, resumed where a lost link or a
crash left it, and started again when the server no longer serves that snapshot."""

from __future__ import annotations

import json

import pytest

from loyalty.cards import CardNumberScheme
from pos_agent.checkout.service import Till
from pos_agent.runtime import Agent
from pos_agent.store import cache
from pos_agent.store.database import Database
from pos_agent.store.schema import LOOKUP_INDEXES
from store_sync.feed import Op, SnapshotItem
from tests.integration.agent.catalogue import BREAD, STORE, card_payload, member_payload

PAGE = 10


@pytest.fixture
def chain(fake_link, clock):
    """The catalogue and 31 members with a card each: 71 entities, eight pages of ten."""
    for n in range(2, 32):
        member_id = f"0195f0a0-0000-7000-8000-{n:012d}"
        number = CardNumberScheme("27").number_for(1000 + n)
        fake_link.publish("member", member_id, "upsert", member_payload(member_id, available=10 * n, taken_at=clock()))
        fake_link.publish("card", number, "upsert", card_payload(number, member_id))
    return fake_link


def _till(path, link, clock) -> Agent:
    agent = Agent(Database(path / "till.sqlite3"), link, Till(STORE, "T1"), clock)
    agent.puller.snapshot_page_size = PAGE
    return agent


def _expected(feed) -> dict:
    """Entities, cards and barcodes as the whole feed leaves them, worked out from the feed alone."""
    latest = {}
    for change in feed:
        latest[(change.entity_type, change.entity_id)] = change
    kept = {key: c.payload for key, c in latest.items() if c.op is Op.UPSERT}
    return {"entities": kept,
            "cards": {i: (p["member_id"], p["state"]) for (t, i), p in kept.items() if t == "card"},
            "barcodes": {code: i for (t, i), p in kept.items() if t == "product" for code in p.get("barcodes", [])}}


def _held(agent) -> dict:
    with agent.db.reading() as conn:
        entities = {(r["entity_type"], r["entity_id"]): json.loads(r["payload"])
                    for r in conn.execute("SELECT * FROM entities WHERE deleted = 0")}
        cards = {r["number"]: (r["member_id"], r["state"]) for r in conn.execute("SELECT * FROM cards")}
        barcodes = {r["code"]: r["sku"] for r in conn.execute("SELECT * FROM barcodes")}
    return {"entities": entities, "cards": cards, "barcodes": barcodes}


def _lookup_indexes(agent) -> set[str]:
    with agent.db.reading() as conn:
        return {r["name"] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")} & set(
            LOOKUP_INDEXES)


def _cursor(agent) -> int | None:
    with agent.db.reading() as conn:
        return cache.get_cursor(conn)


def test_a_bootstrap_in_pages_holds_the_whole_snapshot_then_follows_the_feed(tmp_path, chain, clock):
    agent = _till(tmp_path, chain, clock)
    agent.sync_round()
    assert chain.snapshot_tokens == [None] + [f"71:{n}" for n in range(10, 80, 10)]
    assert _held(agent) == _expected(chain.feed) and _cursor(agent) == 71
    assert len(_held(agent)["cards"]) == 31
    chain.publish("product", "BREAD", "upsert", {**BREAD, "barcodes": ["4006381333999"]})
    agent.sync_round()
    assert _held(agent) == _expected(chain.feed) and _cursor(agent) == 72
    assert agent.ref.product_for_code("4006381333999")["sku"] == "BREAD"


def test_a_bootstrap_cut_short_between_pages_goes_on_from_the_first_page_not_applied(tmp_path, chain, clock):
    agent = _till(tmp_path, chain, clock)
    chain.snapshot_pages_left = 3
    assert agent.sync_round() > 0 and agent.mode.online is False
    assert len(_held(agent)["entities"]) == 30 and _cursor(agent) is None
    assert _lookup_indexes(agent) == set()  # dropped for the bulk load, built at its end
    chain.snapshot_pages_left = None
    chain.publish("product", "BREAD", "upsert", {**BREAD, "base_price_minor": 279})  # after the snapshot's cursor
    agent.sync_round()
    # the fourth page, asked for when the link dropped, is asked for again, and no page before it
    assert chain.snapshot_tokens == [None, "71:10", "71:20", "71:30"] + [f"71:{n}" for n in range(30, 80, 10)]
    assert _held(agent) == _expected(chain.feed) and _cursor(agent) == 72
    assert _held(agent)["entities"][("product", "BREAD")]["base_price_minor"] == 279
    assert _lookup_indexes(agent) == set(LOOKUP_INDEXES)


def test_a_till_restarted_mid_bootstrap_goes_on_from_the_page_it_stored(tmp_path, chain, clock):
    first = _till(tmp_path, chain, clock)
    chain.snapshot_pages_left = 5
    first.sync_round()
    first.db.close()  # each page was committed with the next page's token: nothing more to save
    chain.snapshot_pages_left = None
    again = _till(tmp_path, chain, clock)
    assert len(_held(again)["entities"]) == 50
    assert _lookup_indexes(again) == set(LOOKUP_INDEXES)  # a crashed bulk load leaves no index missing
    again.sync_round()
    assert chain.snapshot_tokens[5:] == ["71:50", "71:50", "71:60", "71:70"]
    assert _held(again) == _expected(chain.feed) and _cursor(again) == 71
    again.db.close()


def test_a_snapshot_the_server_no_longer_serves_is_taken_again_from_nothing(tmp_path, chain, clock):
    agent = _till(tmp_path, chain, clock)
    chain.snapshot_pages_left = 2
    agent.sync_round()
    assert len(_held(agent)["entities"]) == 20
    assert ("card", CardNumberScheme("27").number_for(1002)) in _held(agent)["entities"]
    chain.snapshot_pages_left = None
    chain.refused_tokens.add("71:20")
    chain.publish("card", CardNumberScheme("27").number_for(1002), "delete", None)  # gone from a page already applied
    agent.sync_round()
    assert chain.snapshot_tokens == [None, "71:10", "71:20", "71:20", None] + [f"72:{n}" for n in range(10, 80, 10)]
    assert _held(agent) == _expected(chain.feed) and _cursor(agent) == 72
    assert CardNumberScheme("27").number_for(1002) not in _held(agent)["cards"]


def test_a_snapshot_page_applied_set_wise_leaves_what_one_change_at_a_time_leaves(tmp_path):
    before = [("product", "BREAD", 5, {**BREAD, "barcodes": ["111", "222"]}),
              ("product", "WINE", 9, {"barcodes": ["333"]}),
              ("card", "2700", 4, card_payload("2700", "m1")),
              ("card", "2701", 8, card_payload("2701", "m1", "blocked")),
              ("member", "m1", 3, {"name": "Ada"})]
    page = [SnapshotItem("product", "BREAD", 7, {**BREAD, "barcodes": ["222", "444"]}),
            SnapshotItem("product", "WINE", 6, {"barcodes": ["555"]}),  # older than what is kept
            SnapshotItem("card", "2700", 6, card_payload("2700", "m2", "blocked")),
            SnapshotItem("card", "2701", 8, card_payload("2701", "m1")),  # the same seq: seen already
            SnapshotItem("card", "2702", 2, card_payload("2702", "m2")),
            SnapshotItem("member", "m2", 10, {"name": "Bo"})]
    one_by_one, set_wise = Database(tmp_path / "a.sqlite3"), Database(tmp_path / "b.sqlite3")
    for db in (one_by_one, set_wise):
        with db.transaction() as conn:
            for change in before:
                cache.apply_change(conn, *change)
    with one_by_one.transaction() as conn:
        changed = sum(cache.apply_change(conn, i.entity_type, i.entity_id, i.seq, i.payload) for i in page)
    with set_wise.transaction() as conn:
        assert cache.apply_snapshot(conn, page) == changed == 4
    tables = ("SELECT entity_type, entity_id, seq, deleted, payload FROM entities ORDER BY 1, 2",
              "SELECT * FROM cards ORDER BY number", "SELECT * FROM barcodes ORDER BY code")
    with one_by_one.reading() as a, set_wise.reading() as b:
        for query in tables:
            left = [tuple(r) for r in a.execute(query)]
            right = [tuple(r) for r in b.execute(query)]
            if query.startswith("SELECT entity_type"):  # the same JSON, maybe spaced differently
                left, right = ([(*r[:4], json.loads(r[4])) for r in rows] for rows in (left, right))
            assert left == right
        assert [tuple(r) for r in b.execute("SELECT * FROM barcodes ORDER BY code")] == [
            ("222", "BREAD"), ("333", "WINE"), ("444", "BREAD")]
    one_by_one.close()
    set_wise.close()
