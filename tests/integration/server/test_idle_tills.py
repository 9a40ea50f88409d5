"""Idle tills: polls at the head answered from the watermarks, never skipping a change; replay
protection and revocation shared by every worker through Redis; pooled connections that the
database closed are replaced without a failed request."""

import time
import uuid

import pytest
from redis.connection import Connection
from sqlalchemy import select, text

from server.app import create_app
from server.models import FeedPosition
from server.services import Services
from server.sync import head_seq, sequence_pending
from store_sync.signing import sign_request
from tests.support.factories import login, make_staff, make_terminal
from tests.support.feed import publish
from tests.support.statements import statements
from tests.support.tills import Till

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "redis"])
def settings_values(request, settings_values):
    if request.param == "memory":
        return settings_values
    return {**settings_values, "redis_url": REDIS_URL, "queue_name": f"idle-{uuid.uuid4().hex[:8]}"}


@pytest.fixture
def till(client, services, clock):
    make_terminal(services, "K7", "T1")
    return Till(client, make_terminal(services, "B2", "T1"), "B2", "T1", clock)


@pytest.fixture
def worker(settings, clock):
    """A second server process's services, on the same database (and Redis, when configured)."""
    built = Services.build(settings, clock=clock)
    yield built
    built.db.dispose()


def _head(services) -> int:
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        return head_seq(session)


def _poll(till, cursor, etag=None):
    raw_target = f"/api/v1/sync/changes?cursor={cursor}"
    headers = sign_request(till.credential, "GET", raw_target, b"", int(till.clock().timestamp()))
    if etag:
        headers["If-None-Match"] = etag
    return till.client.get(raw_target, headers=headers)


def test_a_change_committed_after_an_idle_poll_reaches_the_till_at_its_next_poll(services, till):
    head = _head(services)
    assert _poll(till, head).json["items"] == []
    idle = _poll(till, head)
    assert idle.json["items"] == [] and int(idle.json["next_cursor"]) == head
    publish(services.db.engine, ("product", "4002", "upsert", {"sku": "4002", "price": 249}, "B2"))
    page = _poll(till, head).json
    assert [c["entity_id"] for c in page["items"]] == ["4002"] and int(page["next_cursor"]) == head + 1


def test_another_stores_change_moves_an_idle_tills_cursor_on_without_reading_the_database(services, till):
    head = _head(services)
    _poll(till, head)
    publish(services.db.engine, ("product", "4003", "upsert", {"sku": "4003", "price": 99}, "K7"))
    _poll(till, head)  # the commit's signal: this poll refreshes the watermarks from the database
    with statements(services.db.engine) as seen:
        moved = _poll(till, head)
    assert moved.json["items"] == [] and int(moved.json["next_cursor"]) == head + 1
    # Without Redis the nonce is still a row (the embedded default); the feed is not read.
    assert not [s for s in seen if "change_log" in s or "feed_positions" in s]


def test_an_idle_poll_with_redis_costs_two_redis_round_trips_and_no_database_work(services, settings, till,
                                                                                   monkeypatch):
    if settings.redis_url is None:
        pytest.skip("round trips to Redis: the memory variant has none")
    head = _head(services)
    _poll(till, head)  # caches the terminal in this process and takes the watermarks' refresh
    trips = []
    original = Connection.send_packed_command
    monkeypatch.setattr(Connection, "send_packed_command",
                        lambda conn, command, *a, **k: trips.append(command) or original(conn, command, *a, **k))
    with statements(services.db.engine) as seen:
        assert _poll(till, head).json["items"] == []
    # One pipeline records the nonce and reads the terminals' generation, one reads the watermarks.
    assert len(trips) == 2 and seen == []


def test_a_till_that_sends_the_etag_back_is_answered_304_until_its_store_has_news(services, till):
    head = _head(services)
    first = _poll(till, head)
    etag = first.headers["ETag"]
    assert _poll(till, head, etag).status_code == 304
    publish(services.db.engine, ("card", "6001", "upsert", {"status": "active"}, None))
    news = _poll(till, head, etag)
    assert news.status_code == 200 and [c["entity_id"] for c in news.json["items"]] == ["6001"]


def test_idle_polls_record_the_tills_position_in_one_write_per_flush(services, till, clock):
    head = _head(services)
    _poll(till, head)
    _poll(till, head)
    services.positions.flush()
    with services.db.session() as session:
        position = session.scalar(select(FeedPosition))
    assert (position.cursor, position.read_at) == (head, clock())


def test_a_nonce_used_on_one_worker_is_refused_by_another(worker, clock, till):
    other = create_app(services=worker).test_client()
    raw_target = "/api/v1/sync/changes?cursor=0"
    headers = sign_request(till.credential, "GET", raw_target, b"", int(clock().timestamp()))
    assert till.client.get(raw_target, headers=headers).status_code == 200
    replayed = other.get(raw_target, headers=headers)
    assert replayed.status_code == 401 and replayed.json["reason"] == "replayed"


def test_a_revocation_on_one_worker_is_refused_at_once_by_another_that_cached_the_till(
        services, settings, worker, clock, till):
    other = Till(create_app(services=worker).test_client(), till.credential, "B2", "T1", clock)
    if settings.redis_url is None:  # shared memory is inherited by forked workers: share it here too
        worker.terminals.generation = services.terminals.generation
    assert _poll(other, 0).status_code == 200  # the other worker now holds the terminal in its cache
    make_staff(services, "root", "admin")
    assert till.client.post("/api/v1/stores/B2/terminals/T1/revoke", json={},
                            headers=login(till.client, "root")).status_code == 200
    refused = _poll(other, 0)
    assert refused.status_code == 401 and refused.json["reason"] == "revoked"


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_pooled_connections_closed_by_the_database_are_replaced_without_a_failed_request(services, till):
    head = _head(services)
    with services.db.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with services.db.session() as session:  # as a restart would: end every connection of this database
        session.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        # pg_terminate_backend only signals: wait until the backends have exited (and closed their
        # sockets), as they have once a restart is over. pg_stat_activity is read once per
        # transaction, so each look is its own.
        deadline = time.monotonic() + 10
        while session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}):
            assert time.monotonic() < deadline, "the terminated backend did not exit"
            time.sleep(0.02)
            session.execute(text("SELECT pg_stat_clear_snapshot()"))
    assert pid is not None
    assert _poll(till, head).status_code == 200
    with services.db.session() as session:
        assert head_seq(session) == head
