"""No skipped change under concurrent writers on PostgreSQL — and why a plain sequence cursor fails.

Writers take order_key from a sequence when they insert, but commit whenever they finish. These
tests force commits out of order with events (not sleeps and luck), read the feed between commits,
and compare our reader (following the sequencer's ``seq``) with a naive one following ``order_key``.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.db import make_engine
from server.models import ChangeRecord
from server.sync import record_change, sequence_pending
from tests.support.feed import AT, FeedReader, publish

pytestmark = pytest.mark.postgres

WAIT = 10  # seconds; a hung thread fails the test instead of hanging it


@pytest.fixture
def engine(postgres_database):
    postgres_database.reset()
    engine = make_engine(postgres_database.url)
    with engine.begin() as conn:  # stand-in entities whose row lock orders their writers
        conn.execute(text("DROP TABLE IF EXISTS feed_test_entities"))
        conn.execute(text("CREATE TABLE feed_test_entities (id text PRIMARY KEY, version int NOT NULL)"))
        conn.execute(text("INSERT INTO feed_test_entities VALUES ('e0', 0), ('e1', 0), ('e2', 0), ('e3', 0)"))
    yield engine
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE feed_test_entities"))
    engine.dispose()


class NaiveReader:
    """Follows order_key (the insert-time sequence) straight from the table: the hazard."""

    def __init__(self, engine) -> None:
        self.engine, self.cursor, self.seen = engine, 0, []

    def poll(self) -> None:
        with Session(self.engine) as session:
            rows = session.execute(select(ChangeRecord.order_key, ChangeRecord.entity_id)
                                   .where(ChangeRecord.order_key > self.cursor)
                                   .order_by(ChangeRecord.order_key)).all()
        for order_key, entity_id in rows:
            self.seen.append(entity_id)
            self.cursor = order_key


class HeldWriter(threading.Thread):
    """Inserts its change when told to, then keeps its transaction open until told to commit."""

    def __init__(self, engine, name: str) -> None:
        super().__init__(daemon=True)
        self.engine, self.change_id = engine, name
        self.go_insert, self.inserted = threading.Event(), threading.Event()
        self.go_commit, self.committed = threading.Event(), threading.Event()
        self.order_key = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with Session(self.engine) as session:
                self.go_insert.wait(WAIT)
                self.order_key = record_change(session, entity_type="product", entity_id=self.change_id,
                                               op="upsert", payload={"name": self.change_id}, now=AT)
                self.inserted.set()
                assert self.go_commit.wait(WAIT)
                session.commit()
        except BaseException as exc:  # reported by the test thread
            self.error = exc
        finally:
            self.inserted.set()
            self.committed.set()

    def insert(self) -> None:
        self.go_insert.set()
        assert self.inserted.wait(WAIT) and self.error is None, self.error

    def commit(self) -> None:
        self.go_commit.set()
        assert self.committed.wait(WAIT) and self.error is None, self.error


def test_a_writer_that_commits_late_is_skipped_by_an_order_key_cursor_but_not_by_the_feed(engine):
    slow, fast = HeldWriter(engine, "slow"), HeldWriter(engine, "fast")
    slow.start(), fast.start()
    slow.insert()
    fast.insert()
    assert (slow.order_key, fast.order_key) == (1, 2)
    fast.commit()
    naive, feed = NaiveReader(engine), FeedReader(engine, "B2")
    naive.poll(), feed.poll()
    slow.commit()
    naive.poll(), feed.poll()
    assert naive.seen == ["fast"], "the naive cursor moved to 2 while 1 was still uncommitted"
    assert [(c.seq, c.entity_id) for c in feed.seen] == [(1, "fast"), (2, "slow")]


def test_writers_committing_in_scrambled_order_are_all_read_exactly_once(engine):
    rng = random.Random(20260314)
    naive, feed = NaiveReader(engine), FeedReader(engine, "B2", limit=3)
    written, expected_naive_misses = [], 0
    for round_no in range(5):
        writers = [HeldWriter(engine, f"r{round_no}w{i}") for i in range(6)]
        for writer in writers:
            writer.start()
        for writer in writers:  # inserts in this order, so order_keys rise with i
            writer.insert()
        order = rng.sample(writers, len(writers))
        highest_committed = 0
        for writer in order:
            writer.commit()
            expected_naive_misses += writer.order_key < highest_committed
            highest_committed = max(highest_committed, writer.order_key)
            naive.poll(), feed.poll()
        written += [w.change_id for w in writers]
        for writer in writers:
            writer.join(WAIT)
    assert sorted(c.entity_id for c in feed.seen) == sorted(written), "every change, exactly once"
    assert [c.seq for c in feed.seen] == list(range(1, 31))
    assert expected_naive_misses > 0
    assert len(written) - len(naive.seen) == expected_naive_misses


def _free_running_writer(engine, writer_no: int, transactions: int, committed: list, errors: list) -> None:
    """Each transaction bumps one entity (row lock), logs it, maybe pauses, then commits or rolls back."""
    try:
        _write_for_a_while(engine, writer_no, transactions, committed)
    except BaseException as exc:  # reported by the test thread
        errors.append(exc)


def _write_for_a_while(engine, writer_no: int, transactions: int, committed: list) -> None:
    rng = random.Random(7 * writer_no)
    for n in range(transactions):
        entity = f"e{rng.randrange(4)}"
        with Session(engine) as session:
            version = session.scalar(text("UPDATE feed_test_entities SET version = version + 1 "
                                          "WHERE id = :id RETURNING version"), {"id": entity})
            tag = f"w{writer_no}-{n}"
            order_key = record_change(session, entity_type="thing", entity_id=entity, op="upsert",
                                      payload={"version": version, "tag": tag},
                                      store_code=rng.choice([None, "B2", "K7"]), now=AT)
            time.sleep(rng.random() * 0.02)
            if rng.random() < 0.1:
                session.rollback()
                continue
            session.commit()
            committed.append((order_key, tag))


def _late_commits(committed: list[tuple[int, str]]) -> int:
    """Commits whose order_key is below one already committed: each could be skipped by order_key."""
    late, highest = 0, 0
    for order_key, _ in committed:
        late += order_key < highest
        highest = max(highest, order_key)
    return late


def test_a_reader_polling_during_eight_free_running_writers_misses_nothing(engine):
    committed: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    writers = [threading.Thread(target=_free_running_writer, args=(engine, w, 40, committed, errors))
               for w in range(8)]
    stop = threading.Event()

    def scheduled_sequencer() -> None:  # the job, competing with readers for the lock
        while not stop.is_set():
            sequence_pending(engine)
            time.sleep(0.002)

    job = threading.Thread(target=scheduled_sequencer)
    berlin, koeln = FeedReader(engine, "B2", limit=20), FeedReader(engine, "K7", limit=100)
    for thread in [*writers, job]:
        thread.start()
    polls = 0
    while any(w.is_alive() for w in writers):
        berlin.poll()
        koeln.poll()
        polls += 1
    stop.set()
    job.join(WAIT)
    berlin.poll(wait=True)
    koeln.poll(wait=True)

    assert errors == []
    with Session(engine) as session:
        stores = dict(session.execute(select(ChangeRecord.payload["tag"].as_string(),
                                             ChangeRecord.store_code)).all())
    assert sorted(stores) == sorted(tag for _, tag in committed) and len(committed) > 250
    for reader, store in ((berlin, "B2"), (koeln, "K7")):
        tags = [c.payload["tag"] for c in reader.seen]
        assert len(tags) == len(set(tags)), "no change twice"
        assert set(tags) == {t for t, s in stores.items() if s in (store, None)}, "no change missed"
    for reader in (berlin, koeln):
        versions = defaultdict(list)
        for change in reader.seen:
            versions[change.entity_id].append(change.payload["version"])
        assert all(v == sorted(v) for v in versions.values()), "one entity's changes stay in order"
    assert polls > 5, "the readers really polled while writers were running"
    assert _late_commits(committed) >= 5, "commits really came out of order_key order"


def test_only_one_sequencer_runs_at_a_time_and_the_next_one_continues_after_it(engine):
    publish(engine, ("product", "4001", "upsert", {}, None), ("product", "4002", "upsert", {}, None))
    holder = Session(engine)
    assert sequence_pending(holder) == 2  # numbered 1-2, lock held, not yet committed
    publish(engine, ("product", "4003", "upsert", {}, None))
    assert sequence_pending(engine, wait=False) == 0, "a reader does not queue behind the sequencer"
    waiting = threading.Thread(target=sequence_pending, args=(engine,))
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive(), "a waiting sequencer blocks while another holds the lock"
    holder.commit()
    holder.close()
    waiting.join(WAIT)
    with Session(engine) as session:
        numbered = session.execute(select(ChangeRecord.entity_id, ChangeRecord.seq)
                                   .order_by(ChangeRecord.seq)).all()
    assert numbered == [("4001", 1), ("4002", 2), ("4003", 3)]
