"""Compaction of superseded member snapshots, on SQLite and PostgreSQL: what goes, what stays, and
tills (the agent's own feed puller) that end where a till that read every change ends."""

from __future__ import annotations

import json
import random
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from pos_agent.store import cache
from pos_agent.store.database import Database
from pos_agent.sync.feed_puller import FeedPuller
from server.db import make_engine
from server.jobs.tasks import compact_feed
from server.membership.member_cache import stores_holding
from server.membership.publishing import withdraw_out_of_scope
from server.models import ChangeRecord
from server.sync import head_seq, read_changes, sequence_pending, snapshot, snapshot_json
from server.sync.compaction import _delete_superseded, compact_member_changes
from store_sync.schemas import load_snapshot_page_text
from tests.support.feed import AT, FeedReader, publish

OLD_ENOUGH = AT + timedelta(days=1)  # the cutoff: rows written at AT are past the grace period
YOUNG = AT + timedelta(days=2)


@pytest.fixture
def engine(services):
    return services.db.engine


def member(member_id: str, version: int, store: str | None = None):
    return ("member", member_id, "upsert", {"id": member_id, "v": version}, store)


def withdraw(member_id: str, store: str | None = None):
    return ("member", member_id, "delete", None, store)


def product(sku: str, price: int):
    return ("product", sku, "upsert", {"sku": sku, "price": price}, None)


def _seqs(engine) -> list[int | None]:
    with Session(engine) as session:
        return list(session.scalars(select(ChangeRecord.seq).order_by(ChangeRecord.order_key)))


def test_worked_example_deletes_exactly_the_superseded_old_member_upserts(engine):
    publish(engine,
            member("m1", 1), member("m1", 2),  # 1, 2: every store, superseded by 10
            member("m2", 1, "B2"), member("m2", 2, "K7"), member("m2", 3, "B2"),  # 3-5: by the withdrawal at 9
            member("m1", 3, "B2"),  # 6: B2 only; it supersedes neither 1 nor 2 (K7 still sees them)
            member("m3", 1, "B2"), member("m3", 2),  # 7 superseded by 8, an every-store change
            withdraw("m2"),  # 9: a delete, never compacted
            member("m1", 4),  # 10: supersedes 1 and 2 (every store) and 6 (B2)
            withdraw("m3", "K7"),  # 11: a K7 row covers K7 alone, so 8 (every store) stays for now
            product("4001", 199), product("4001", 189),  # 12, 13: not members
            member("m4", 1, "K7"), member("m4", 2, "B2"))  # 14, 15: different stores, both stay
    publish(engine, member("m3", 3), member("m3", 4), at=YOUNG)  # 16 supersedes 8; 16 itself is young
    sequence_pending(engine)
    publish(engine, member("m4", 3, "K7"))  # unsequenced: it supersedes 14 for no reader yet

    done = compact_member_changes(engine, OLD_ENOUGH, chunk=4)

    assert (done.deleted, done.scanned, done.chunks) == (8, 15, 4), "m1's 4 rows, m2's 4, m3's 5 together, m4's 2"
    assert _seqs(engine) == [9, 10, 11, 12, 13, 14, 15, 16, 17, None]
    assert compact_member_changes(engine, OLD_ENOUGH, chunk=4).deleted == 0, "a second run finds nothing"
    sequence_pending(engine)
    assert compact_member_changes(engine, OLD_ENOUGH, chunk=4).deleted == 1, "14, once 18 is sequenced"
    assert _seqs(engine) == [9, 10, 11, 12, 13, 15, 16, 17, 18]


def test_the_highest_seq_stays_so_the_sequencer_never_gives_a_number_twice(engine):
    publish(engine, member("m1", 1, "B2"), member("m1", 2, "B2"), member("m2", 1, "K7"), member("m1", 3))
    sequence_pending(engine)
    reader = FeedReader(engine, "B2")
    reader.poll()
    assert compact_member_changes(engine, OLD_ENOUGH).deleted == 2
    with Session(engine) as session:
        assert head_seq(session) == 4 and reader.cursor == 4
    publish(engine, member("m1", 4, "B2"))
    assert reader.poll() == 1 and [c.seq for c in reader.seen] == [1, 2, 4, 5]


def _random_feed(engine, rng: random.Random, transactions: int) -> None:
    """Member snapshots and withdrawals for five members in three stores and for every store."""
    for _ in range(transactions):
        changes = []
        for _ in range(rng.randrange(1, 6)):
            member_id, store = f"m{rng.randrange(5)}", rng.choice([None, None, "B2", "K7", "H1"])
            if rng.random() < 0.15:
                changes.append(withdraw(member_id, store))
            else:
                changes.append(member(member_id, rng.randrange(10**6), store))
        if rng.random() < 0.2:
            changes.append(product(f"40{rng.randrange(3)}", rng.randrange(100, 999)))
        publish(engine, *changes)


def _expected_survivors(engine) -> list[int]:
    """Which rows compaction leaves, worked out from the raw rows in plain Python."""
    with Session(engine) as session:
        rows = session.execute(select(ChangeRecord.seq, ChangeRecord.entity_type, ChangeRecord.entity_id,
                                      ChangeRecord.op, ChangeRecord.store_code)).all()

    def superseded(row) -> bool:
        return row.entity_type == "member" and row.op == "upsert" and any(
            other.seq > row.seq and (other.entity_type, other.entity_id) == (row.entity_type, row.entity_id)
            and (other.store_code is None or other.store_code == row.store_code) for other in rows)

    return sorted(row.seq for row in rows if not superseded(row))


def _snapshots(engine) -> dict[str, list]:
    with Session(engine) as session:
        return {store: [(i.entity_type, i.entity_id, i.seq, i.payload) for i in snapshot(session, store).items]
                for store in ("B2", "K7", "H1")}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tills_behind_the_compaction_end_where_tills_that_read_everything_end(engine, seed):
    rng = random.Random(seed)
    _random_feed(engine, rng, 8)
    sequence_pending(engine)
    behind = {store: FeedReader(engine, store, limit=4) for store in ("B2", "K7", "H1")}
    for reader in behind.values():
        reader.poll()
    _random_feed(engine, rng, 30)
    sequence_pending(engine)
    everything = {store: FeedReader(engine, store, limit=4) for store in ("B2", "K7", "H1")}
    for reader in everything.values():
        reader.poll()
    expected, before = _expected_survivors(engine), _snapshots(engine)

    done = compact_member_changes(engine, OLD_ENOUGH, chunk=7)

    assert done.deleted > 0 and _seqs(engine) == expected
    assert _snapshots(engine) == before
    for store, reader in behind.items():
        reader.poll()
        assert reader.state == everything[store].state, store
        assert reader.cursor == everything[store].cursor


def test_a_store_whose_rows_an_every_store_change_superseded_still_drops_a_withdrawn_member(engine, clock):
    member_id = uuid.UUID("0195f0a0-0000-7000-8000-000000000001")
    publish(engine, member(str(member_id), 1, "B2"), member(str(member_id), 2))
    sequence_pending(engine)
    reader = FeedReader(engine, "B2")
    reader.poll()
    with Session(engine) as session:
        assert stores_holding(session, member_id) == {"B2", None}
    assert compact_member_changes(engine, OLD_ENOUGH).deleted == 1
    with Session(engine) as session:
        assert stores_holding(session, member_id) == {None}
        assert withdraw_out_of_scope(session, member_id, ("K7",), clock()) == 1
        session.commit()
    reader.poll()
    assert reader.state == {}, "the withdrawal for every store reaches B2's tills"


class DirectLink:
    """The agent's feed calls answered by the server's own feed and snapshot code, minus HTTP.

    ``before_second_snapshot_page`` runs once, before the server reads the snapshot's second page.
    """

    def __init__(self, engine, store: str) -> None:
        self.engine, self.store = engine, store
        self.before_second_snapshot_page = lambda: None
        self.snapshot_items: dict[tuple[str, str], int] = {}  # what the snapshot pages served: key -> seq

    def changes(self, cursor: int, limit: int):
        with Session(self.engine) as session:
            return read_changes(session, self.store, cursor, limit)

    def snapshot(self, page: str | None, limit: int):
        if page is not None:
            hook, self.before_second_snapshot_page = self.before_second_snapshot_page, lambda: None
            hook()
        with Session(self.engine) as session:
            text = snapshot_json(session, self.store, page=page, limit=limit)
        self.snapshot_items.update({(i["entity_type"], i["entity_id"]): i["seq"] for i in json.loads(text)["items"]})
        return load_snapshot_page_text(text)


def _till(tmp_path, engine, name: str, clock, *, from_start: bool = False) -> FeedPuller:
    """The agent's feed puller on its own SQLite file; ``from_start`` reads the feed from 0 instead of a snapshot."""
    puller = FeedPuller(Database(tmp_path / f"{name}.sqlite3"), DirectLink(engine, "B2"), clock, page_size=3,
                        snapshot_page_size=2)
    if from_start:
        with puller.db.transaction() as conn:
            cache.set_cursor(conn, 0)
    return puller


def _held(puller: FeedPuller) -> dict:
    with puller.db.reading() as conn:
        return {(r["entity_type"], r["entity_id"]): (r["seq"], json.loads(r["payload"]))
                for r in conn.execute("SELECT * FROM entities WHERE deleted = 0")}


def test_agents_behind_the_compaction_or_bootstrapping_across_it_end_as_one_that_read_everything(
        tmp_path, engine, clock):
    publish(engine, *(member(f"m{n}", 1) for n in range(1, 7)))  # 1-6, for every store
    sequence_pending(engine)
    behind = _till(tmp_path, engine, "behind", clock)
    behind.pull()  # bootstraps from the snapshot, then stands at 6
    publish(engine, member("m3", 2, "B2"), member("m5", 2, "B2"), member("m6", 2), product("4001", 199))  # 7-10
    publish(engine, member("m1", 3, "B2"), member("m2", 3), member("m3", 3), withdraw("m4", "B2"))  # 11-14
    sequence_pending(engine)
    everything = _till(tmp_path, engine, "everything", clock, from_start=True)
    everything.pull()  # reads every change, 1 to 14, before any is compacted
    with Session(engine) as session:
        served_before = {(i.entity_type, i.entity_id): i.seq for i in snapshot(session, "B2").items}

    def supersede_and_compact():  # while the new till reads its snapshot (as of 14) after the first page
        publish(engine, member("m5", 3, "B2"), member("m6", 3), member("m4", 3, "K7"))  # 15-17
        sequence_pending(engine)
        assert compact_member_changes(engine, OLD_ENOUGH).deleted == 6  # 2, 3, 6, 7, 8, 9

    bootstrapping = _till(tmp_path, engine, "bootstrapping", clock)
    bootstrapping.link.before_second_snapshot_page = supersede_and_compact
    bootstrapping.pull()
    publish(engine, member("m2", 4, "B2"))  # 18
    sequence_pending(engine)
    for till in (behind, bootstrapping, everything):
        till.pull()

    served = bootstrapping.link.snapshot_items
    assert served_before[("member", "m5")] == 8 and served[("member", "m5")] == 5, "m5 as of an older change"
    assert served_before[("member", "m6")] == 9 and ("member", "m6") not in served, "m6 not at all"
    assert _held(behind) == _held(bootstrapping) == _held(everything)
    held = _held(everything)
    assert held[("member", "m5")] == (15, {"id": "m5", "v": 3}) and held[("member", "m6")] == (16, {"id": "m6", "v": 3})
    assert held[("member", "m2")] == (18, {"id": "m2", "v": 4}) and ("member", "m4") not in held


def _member_versions(engine) -> list[int]:
    with Session(engine) as session:
        return [payload["v"] for payload in session.scalars(
            select(ChangeRecord.payload).where(ChangeRecord.entity_type == "member").order_by(ChangeRecord.seq))]


def test_the_scheduled_job_keeps_superseded_snapshots_for_the_grace_period_of_three_days(app, services, engine,
                                                                                        clock):
    publish(engine, member("m1", 1), member("m1", 2), at=clock() - timedelta(days=4))
    publish(engine, member("m1", 3), member("m1", 4), at=clock() - timedelta(days=2))
    sequence_pending(engine)
    assert services.settings.feed_compact_after_days == 3
    assert services.jobs.run(compact_feed).result["deleted"] == 2
    assert _member_versions(engine) == [3, 4]
    clock.advance(days=1)
    assert services.jobs.run(compact_feed).result["deleted"] == 0, "exactly three days old: kept"
    clock.advance(seconds=1)
    assert services.jobs.run(compact_feed).result["deleted"] == 1
    assert _member_versions(engine) == [4]


@pytest.fixture
def pg_engine(postgres_database):
    postgres_database.reset()
    engine = make_engine(postgres_database.url)
    yield engine
    engine.dispose()


def _visible_state(changes: list[tuple], store: str) -> dict:
    """What a store's till holds after ``changes`` in commit order, worked out without the database."""
    state: dict = {}
    for entity_type, entity_id, op, payload, scope in changes:
        if scope is None or scope == store:
            if op == "delete":
                state.pop((entity_type, entity_id), None)
            else:
                state[(entity_type, entity_id)] = payload
    return state


@pytest.mark.postgres
def test_tills_polling_while_compaction_runs_over_and_over_miss_nothing(pg_engine):
    rng, written, done, failures = random.Random(14), [], threading.Event(), []

    def writer():
        try:
            for _ in range(150):
                changes = [withdraw(f"m{rng.randrange(8)}", rng.choice([None, "B2", "K7"])) if rng.random() < 0.1
                           else member(f"m{rng.randrange(8)}", rng.randrange(10**6),
                                       rng.choice([None, None, "B2", "K7"])) for _ in range(rng.randrange(1, 4))]
                publish(pg_engine, *changes)
                written.extend(changes)  # one writer: commit order is publish order
        except Exception as exc:  # a failing thread is reported by the test, not lost
            failures.append(exc)
        finally:
            done.set()

    def keep_going(step):
        def loop():
            try:
                while not done.is_set():
                    step()
            except Exception as exc:  # a failing thread is reported by the test, not lost
                failures.append(exc)
                done.set()
        return loop

    readers = {store: FeedReader(pg_engine, store, limit=3) for store in ("B2", "K7")}
    threads = [threading.Thread(target=writer),
               threading.Thread(target=keep_going(lambda: compact_member_changes(pg_engine, YOUNG, chunk=5))),
               *(threading.Thread(target=keep_going(reader.poll)) for reader in readers.values())]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    deleted = compact_member_changes(pg_engine, YOUNG).deleted
    with Session(pg_engine) as session:
        left = session.scalar(select(func.count()).select_from(ChangeRecord))
    assert left + deleted < len(written), "compaction ran while the tills read"
    for store, reader in readers.items():
        reader.poll()
        with Session(pg_engine) as session:
            snapshotted = {(i.entity_type, i.entity_id): i.payload for i in snapshot(session, store).items}
        assert reader.state == snapshotted == _visible_state(written, store), store


def test_on_sqlite_each_superseder_look_up_reads_one_members_rows_not_the_whole_chunk(tmp_path, sqlite_template):
    sqlite_engine = make_engine(sqlite_template.copy_to(tmp_path))
    statement = _delete_superseded("m1", "m9", OLD_ENOUGH, "sqlite")
    with sqlite_engine.connect() as conn:
        plan = [row[3] for row in conn.execute(text("EXPLAIN QUERY PLAN " + str(statement.compile(
            dialect=sqlite_engine.dialect, compile_kwargs={"literal_binds": True}))))]
    sqlite_engine.dispose()
    assert "SEARCH newer USING INDEX ix_change_log_entity_seq (entity_type=? AND entity_id=? AND seq>?)" in plan, plan
