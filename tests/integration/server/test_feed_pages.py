"""Full feed pages kept for a store's other tills: read once from the database, never wrong.

Each test runs on SQLite and PostgreSQL, with the pages kept in Redis and in the process.
"""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from server.sync import head_seq, read_changes, sequence_pending
from server.sync.compaction import compact_member_changes
from server.sync.page_cache import KeptPage
from store_sync.signing import sign_request
from tests.support.factories import login, make_staff, make_terminal
from tests.support.feed import AT, publish
from tests.support.statements import statements

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "redis"])
def settings_values(request, settings_values):
    if request.param == "memory":
        return settings_values
    return {**settings_values, "redis_url": REDIS_URL, "queue_name": f"pages-{uuid.uuid4().hex[:8]}"}


@pytest.fixture
def tills(services):
    """Three tills of store B2, and one of K7."""
    return {name: make_terminal(services, store, name[-2:]) for name, store in
            (("B2-T1", "B2"), ("B2-T2", "B2"), ("B2-T3", "B2"), ("K7-T1", "K7"))}


def _head(services) -> int:
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        return head_seq(session)


def _get(client, clock, credential, cursor: int, limit: int):
    target = f"/api/v1/sync/changes?cursor={cursor}&limit={limit}"
    response = client.get(target, headers=sign_request(credential, "GET", target, b"", int(clock().timestamp())))
    assert response.status_code == 200, response.json
    return response


def _products(n: int, store: str | None = "B2", price: int = 100):
    return [("product", f"P{i}", "upsert", {"sku": f"P{i}", "price": price + i}, store) for i in range(n)]


def _change_log_statements(seen) -> list[str]:
    return [s for s in seen if "change_log" in s]


def test_a_second_till_of_the_store_gets_a_full_page_without_reading_the_change_log(
        client, services, clock, tills):
    base = _head(services)
    publish(services.db.engine, *_products(5))
    first = _get(client, clock, tills["B2-T1"], base, 2)
    assert first.json["has_more"] is True
    with statements(services.db.engine) as seen:
        second = _get(client, clock, tills["B2-T2"], base, 2)
    assert second.get_data() == first.get_data()
    assert [c["entity_id"] for c in second.json["items"]] == ["P0", "P1"]
    # Without Redis the nonce is still a row (the embedded default); the feed is not read.
    assert _change_log_statements(seen) == []


def test_another_stores_till_gets_its_own_page(client, services, clock, tills):
    base = _head(services)
    publish(services.db.engine, *_products(3), ("product", "K", "upsert", {"sku": "K", "price": 5}, "K7"),
            *_products(2, store=None, price=500))
    assert _get(client, clock, tills["B2-T1"], base, 3).json["has_more"] is True
    page = _get(client, clock, tills["K7-T1"], base, 3).json
    assert [c["entity_id"] for c in page["items"]] == ["K", "P0", "P1"]


def test_a_page_that_is_not_full_is_read_again_and_brings_what_was_published_since(
        client, services, clock, tills):
    base = _head(services)
    publish(services.db.engine, *_products(2))
    last = _get(client, clock, tills["B2-T1"], base, 3).json
    assert (len(last["items"]), last["has_more"]) == (2, False)
    publish(services.db.engine, ("product", "NEW", "upsert", {"sku": "NEW", "price": 1}, "B2"))
    again = _get(client, clock, tills["B2-T2"], base, 3).json
    assert [c["entity_id"] for c in again["items"]] == ["P0", "P1", "NEW"]


def test_an_erasure_clears_the_kept_pages_so_no_till_is_served_the_persons_old_snapshot(
        client, services, clock, tills):
    make_staff(services, "sam", "member_service")
    desk = login(client, "sam")
    base = _head(services)
    made = client.post("/api/v1/members", json={"name": "Grace Hopper", "email": "grace@example.com"}, headers=desk)
    assert made.status_code == 201, made.json
    publish(services.db.engine, *_products(3, store=None))
    _head(services)
    kept = _get(client, clock, tills["K7-T1"], base, 2)
    assert kept.json["has_more"] is True and b"Grace Hopper" in kept.get_data()
    erased = client.post(f"/api/v1/members/{made.json['id']}/erase", json={"reason": "asked"}, headers=desk)
    assert erased.status_code == 200, erased.json
    _get(client, clock, tills["B2-T1"], base, 2)  # the erasure's new change: this read refreshes the watermarks
    after = _get(client, clock, tills["K7-T1"], base, 2)  # another store's kept page
    assert b"Grace" not in after.get_data() and b"grace@example.com" not in after.get_data()
    assert made.json["id"] in after.get_data(as_text=True)  # the member's rows are tombstones now


def test_a_kept_page_holding_rows_compacted_since_still_brings_a_till_to_the_same_state(
        client, services, clock, tills):
    base = _head(services)
    old, new = AT - timedelta(days=60), AT
    member = str(uuid.uuid4())
    publish(services.db.engine, ("member", member, "upsert", {"id": member, "balance": 10}, "B2"),
            *_products(2), at=old)
    publish(services.db.engine, ("member", member, "upsert", {"id": member, "balance": 20}, "B2"),
            *_products(2, price=300), at=new)
    kept = _get(client, clock, tills["B2-T1"], base, 2).json
    assert kept["items"][0]["payload"]["balance"] == 10 and kept["has_more"] is True
    assert compact_member_changes(services.db.engine, AT - timedelta(days=30)).deleted == 1
    state, cursor = {}, base
    while True:  # the second till pages on from the kept page, as an agent does
        page = _get(client, clock, tills["B2-T2"], cursor, 2).json
        state.update({(c["entity_type"], c["entity_id"]): c["payload"] for c in page["items"]})
        cursor = int(page["next_cursor"])
        if not page["has_more"]:
            break
    with services.db.session() as session:  # what a till reading the compacted log from the start holds
        fresh = read_changes(session, "B2", base, 100)
    assert state == {(c.entity_type, c.entity_id): c.payload for c in fresh.items}
    assert state[("member", member)]["balance"] == 20


def test_a_page_read_before_a_clear_and_stored_after_it_is_never_served(services):
    pages = services.feed_pages
    lookup = pages.get("B2", 7, 2)
    pages.clear()
    pages.put(lookup, "B2", 7, 2, KeptPage(9, '{"items": ["old"]}'))
    assert pages.get("B2", 7, 2).page is None
    fresh = pages.get("B2", 7, 2)
    pages.put(fresh, "B2", 7, 2, KeptPage(9, '{"items": ["new"]}'))
    assert pages.get("B2", 7, 2).page == KeptPage(9, '{"items": ["new"]}')


def test_pages_kept_from_a_log_that_was_emptied_since_are_never_served(client, services, clock, tills):
    base = _head(services)
    publish(services.db.engine, *_products(3))
    kept = _get(client, clock, tills["B2-T1"], base, 2).json
    with services.db.engine.begin() as conn:  # a database restored from before the stores existed
        conn.execute(text("DELETE FROM change_log"))
    services.watermarks.signal()  # the next read refreshes the watermarks: they find the head gone back
    target = f"/api/v1/sync/changes?cursor={base}&limit=2"
    headers = sign_request(tills["B2-T2"], "GET", target, b"", int(clock().timestamp()))
    assert client.get(target, headers=headers).status_code != 200  # a cursor ahead of the feed
    publish(services.db.engine, *_products(base + 3, price=900))  # the same seqs, other changes
    _get(client, clock, tills["K7-T1"], base, 2)  # the publish's signal: this read refreshes the watermarks
    again = _get(client, clock, tills["B2-T3"], base, 2).json
    assert again["items"] != kept["items"]
    assert [c["payload"]["price"] for c in again["items"]] == [900 + base, 901 + base]
