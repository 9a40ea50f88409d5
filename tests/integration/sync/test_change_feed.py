"""The change feed on SQLite and PostgreSQL: numbering, paging, store scope, snapshots, re-reads."""

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.jobs.tasks import sequence_changes
from server.models import ChangeRecord
from server.sync import read_changes, read_changes_json, record_change, sequence_pending, snapshot, snapshot_json
from server.sync.exceptions import FeedCursorError
from store_sync.schemas import ChangesPageSchema, SnapshotPageSchema
from tests.support.feed import AT, FeedReader, apply, publish


@pytest.fixture
def engine(services):
    return services.db.engine


def product(sku: str, price: int, store: str | None = None):
    return ("product", sku, "upsert", {"sku": sku, "price": price}, store)


def test_committed_changes_are_numbered_one_by_one_in_the_order_they_were_written(engine):
    publish(engine, product("4001", 199), product("4002", 249))
    publish(engine, product("4001", 189))
    assert sequence_pending(engine) == 3
    assert sequence_pending(engine) == 0
    with Session(engine) as session:
        rows = session.execute(select(ChangeRecord.order_key, ChangeRecord.seq)
                               .order_by(ChangeRecord.order_key)).all()
    assert [seq for _, seq in rows] == [1, 2, 3]


def test_a_rolled_back_change_never_reaches_the_feed(engine):
    with Session(engine) as session:
        record_change(session, entity_type="product", entity_id="4001", op="upsert",
                      payload={"price": 1}, now=AT)
        session.rollback()
    publish(engine, product("4002", 249))
    reader = FeedReader(engine, "B2")
    reader.poll()
    assert [(c.seq, c.entity_id) for c in reader.seen] == [(1, "4002")]


def test_a_store_pages_through_five_changes_two_at_a_time_without_gaps_or_repeats(engine):
    publish(engine, *(product(f"400{n}", 100 * n) for n in range(1, 6)))
    sequence_pending(engine)
    pages = []
    cursor = 0
    with Session(engine) as session:
        while True:
            page = read_changes(session, "B2", cursor, 2)
            pages.append(([c.seq for c in page.items], page.next_cursor, page.has_more))
            cursor = page.next_cursor
            if not page.has_more:
                break
    assert pages == [([1, 2], 2, True), ([3, 4], 4, True), ([5], 5, False)]


def test_a_store_sees_its_own_and_chain_wide_changes_but_never_another_stores(engine):
    publish(engine, product("4001", 199), product("4002", 249, "B2"), product("4003", 99, "K7"),
            ("card", "6001234", "upsert", {"status": "blocked"}, None), product("4004", 50, "K7"))
    berlin, koeln = FeedReader(engine, "B2"), FeedReader(engine, "K7")
    berlin.poll()
    koeln.poll()
    assert [(c.seq, c.entity_id) for c in berlin.seen] == [(1, "4001"), (2, "4002"), (4, "6001234")]
    assert [(c.seq, c.entity_id) for c in koeln.seen] == [(1, "4001"), (3, "4003"), (4, "6001234"),
                                                         (5, "4004")]
    assert berlin.cursor == 5, "a caught-up store's cursor moves past other stores' changes"


def test_reading_again_from_the_same_cursor_returns_the_same_page(engine):
    publish(engine, product("4001", 199), product("4002", 249), product("4003", 99))
    sequence_pending(engine)
    with Session(engine) as session:
        first = read_changes(session, "B2", 1, 10)
    publish(engine, ("product", "4001", "delete", None, None))
    with Session(engine) as session:
        again = read_changes(session, "B2", 1, 2)
    assert again.items == first.items
    assert (again.next_cursor, again.has_more) == (3, False), "the unsequenced delete is not visible yet"


def test_a_cursor_ahead_of_the_feed_is_refused(engine):
    publish(engine, product("4001", 199))
    sequence_pending(engine)
    with Session(engine) as session, pytest.raises(FeedCursorError, match="ahead of the feed"):
        read_changes(session, "B2", 2, 10)


def test_a_snapshot_keeps_the_latest_state_of_each_entity_and_leaves_out_deleted_ones(engine):
    publish(engine, product("4001", 199), product("4002", 249), product("4003", 99, "B2"))
    publish(engine, product("4001", 179), ("product", "4002", "delete", None, None),
            product("4009", 10, "K7"))
    sequence_pending(engine)
    with Session(engine) as session:
        page = snapshot(session, "B2")
    assert page.cursor == 6 and page.next_page is None
    assert [(i.entity_id, i.seq, i.payload["price"]) for i in page.items] == [("4001", 4, 179),
                                                                             ("4003", 3, 99)]


def test_a_snapshot_then_the_feed_from_its_cursor_ends_where_the_whole_feed_ends(engine):
    publish(engine, *(product(f"40{n:02d}", 100 + n) for n in range(12)),
            ("card", "6001", "upsert", {"status": "active"}, "B2"))
    publish(engine, ("product", "4003", "delete", None, None), product("4004", 999, "B2"))
    sequence_pending(engine)
    bootstrapped: dict = {}
    page = _snapshot(engine, limit=5)
    cursor, pages = page.cursor, 1
    publish(engine, product("4005", 555), ("card", "6001", "upsert", {"status": "blocked"}, "B2"),
            ("product", "4004", "delete", None, None))
    sequence_pending(engine)
    while True:  # later pages still describe the state as of the first page's cursor
        assert page.cursor == cursor == 15
        bootstrapped.update({(i.entity_type, i.entity_id): i.payload for i in page.items})
        if page.next_page is None:
            break
        page, pages = _snapshot(engine, page=page.next_page, limit=5), pages + 1
    assert pages == 3 and len(bootstrapped) == 12
    late_agent = FeedReader(engine, "B2", limit=2, cursor=cursor)
    late_agent.state = bootstrapped
    late_agent.poll()
    whole_feed = FeedReader(engine, "B2", limit=3)
    whole_feed.poll()
    assert [c.seq for c in late_agent.seen] == [16, 17, 18]
    assert late_agent.state == whole_feed.state
    assert len(whole_feed.state) == 11
    assert whole_feed.state[("card", "6001")] == {"status": "blocked"}
    assert whole_feed.state[("product", "4005")] == {"sku": "4005", "price": 555}


def test_a_snapshot_page_as_json_text_loads_as_the_same_page_with_the_same_token(engine):
    odd = {"sku": "4007", "name": 'Brød "extra" \\ 10\u00a0% \U0001F35E', "tags": [], "price": None, "size": 0.75}
    publish(engine, *(product(f"40{n:02d}", 100 + n) for n in range(5)), ("product", "4007", "upsert", odd, None),
            ("card", "6001", "upsert", {"status": "active"}, "B2"), ("product", "4002", "delete", None, None))
    sequence_pending(engine)
    token, pages = None, 0
    while True:
        with Session(engine) as session:
            page = snapshot(session, "B2", page=token, limit=3)
            text = snapshot_json(session, "B2", page=token, limit=3)
        assert SnapshotPageSchema().load(json.loads(text)) == page
        token, pages = page.next_page, pages + 1
        if token is None:
            break
    assert pages == 3
    with Session(engine) as session:
        whole = SnapshotPageSchema().load(json.loads(snapshot_json(session, "B2")))
    assert [i.entity_id for i in whole.items] == ["6001", "4000", "4001", "4003", "4004", "4007"]
    assert whole.items[-1].payload == odd


def test_a_changes_page_as_json_text_loads_as_the_same_page_as_read_changes(engine):
    odd = {"sku": "4007", "name": 'Brød "extra" \\ 10\u00a0% \U0001F35E', "tags": [], "price": None, "size": 0.75}
    publish(engine, product("4000", 100), ("product", "4007", "upsert", odd, None),
            ("card", "6001", "upsert", {"status": "active"}, "B2"), ("card", "6002", "upsert", {"status": "x"}, "B3"),
            ("product", "4000", "delete", None, None), product("4001", 101, "B2"))
    sequence_pending(engine)
    cursor, pages = 0, []
    while True:
        with Session(engine) as session:
            page = read_changes(session, "B2", cursor, 2)
            text = read_changes_json(session, "B2", cursor, 2)
        assert ChangesPageSchema().load(json.loads(text.text)) == page
        assert (text.cursor, text.next_cursor, text.has_more, text.count) == (
            page.cursor, page.next_cursor, page.has_more, len(page.items))
        pages.append([c.seq for c in page.items])
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert pages == [[1, 2], [3, 5], [6]]
    with Session(engine) as session:
        assert json.loads(read_changes_json(session, "B2", 1, 10).text)["items"][0]["payload"] == odd


def _snapshot(engine, **kwargs):
    with Session(engine) as session:
        return snapshot(session, "B2", **kwargs)


def test_applying_the_whole_feed_twice_gives_the_same_state(engine):
    publish(engine, product("4001", 199), ("product", "4001", "delete", None, None), product("4002", 5))
    reader = FeedReader(engine, "B2")
    reader.poll()
    once = dict(reader.state)
    for change in reader.seen:
        apply(reader.state, change)
    assert reader.state == once == {("product", "4002"): {"sku": "4002", "price": 5}}


def test_a_snapshot_page_token_from_elsewhere_is_refused(engine):
    with Session(engine) as session, pytest.raises(FeedCursorError):
        snapshot(session, "B2", page="not-a-token")


def test_the_scheduled_job_numbers_pending_changes(app, services, engine):
    sequence_pending(engine)  # whatever the app published while starting
    publish(engine, product("4001", 199), product("4002", 249), product("4003", 99))
    assert services.jobs.run(sequence_changes).result == 3
    assert services.jobs.run(sequence_changes).result == 0


def test_the_sequencer_works_in_batches_and_inside_a_callers_session(engine):
    publish(engine, *(product(f"40{n:02d}", n) for n in range(7)))
    assert sequence_pending(engine, batch=3) == 7
    publish(engine, product("4100", 1), product("4101", 2))
    with Session(engine) as session:
        assert sequence_pending(session, batch=1) == 2
        session.commit()
    with Session(engine) as session:
        assert session.scalars(select(ChangeRecord.seq).order_by(ChangeRecord.order_key)).all() == list(
            range(1, 10))
