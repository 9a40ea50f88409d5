"""GET /sync/changes and /sync/snapshot through signed terminal requests, scoped to the till's store."""

import pytest
from sqlalchemy import select

from pos_agent.sync.feed_puller import PAGE_SIZE
from server.models import AuditRecord, FeedPosition, Terminal
from server.sync import head_seq, sequence_pending
from server.sync.positions import PositionBuffer
from store_sync.cursor import CursorTracker
from store_sync.schemas import ChangesPageSchema, SnapshotPageSchema
from store_sync.signing import sign_request
from tests.support.factories import make_terminal
from tests.support.feed import publish


@pytest.fixture
def credential(services):
    make_terminal(services, "K7", "T1")
    return make_terminal(services, "B2", "T1")


@pytest.fixture
def feed(services) -> int:
    """Five changes after whatever the server published already (e.g. its stores); returns that head."""
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        base = head_seq(session)
    publish(services.db.engine,
            ("product", "4001", "upsert", {"sku": "4001", "price": 199}, None),
            ("product", "4002", "upsert", {"sku": "4002", "price": 249}, "B2"),
            ("product", "4003", "upsert", {"sku": "4003", "price": 99}, "K7"),
            ("card", "6001", "upsert", {"status": "active"}, "B2"),
            ("product", "4001", "upsert", {"sku": "4001", "price": 179}, None))
    return base


MINE = ("product", "card")


def signed_get(client, credential, clock, target: str):
    headers = sign_request(credential, "GET", target, b"", int(clock().timestamp()))
    return client.get(target, headers=headers)


def test_a_terminal_pages_through_its_stores_changes_and_its_position_is_recorded(
        client, services, clock, credential, feed):
    tracker, seen = CursorTracker(feed), []
    while True:
        target = f"/api/v1/sync/changes?cursor={tracker.cursor}&limit=2"
        response = signed_get(client, credential, clock, target)
        assert response.status_code == 200, response.json
        page = ChangesPageSchema().load(response.json)
        tracker.accept(page)
        seen += [(c.seq - feed, c.entity_id, c.store) for c in page.items]
        if not page.has_more:
            break
    assert seen == [(1, "4001", None), (2, "4002", "B2"), (4, "6001", "B2"), (5, "4001", None)]
    assert tracker.cursor == feed + 5
    services.positions.flush()  # pages write nothing; the process writes the tills' positions together
    with services.db.session() as session:
        terminal = session.scalar(select(Terminal).where(Terminal.key_id == credential.key_id))
        position = session.get(FeedPosition, terminal.id)
    # the last request asked for changes after seq 2: the till confirms it applied that far
    assert (position.cursor, position.read_at, position.snapshot_at) == (feed + 2, clock(), None)


def test_the_agents_page_size_is_served_whole(client, clock, credential, feed):
    # The agent asks for the largest page the server serves; asked for more, it would get a 400.
    response = signed_get(client, credential, clock, f"/api/v1/sync/changes?cursor={feed}&limit={PAGE_SIZE}")
    assert response.status_code == 200, response.json
    assert (len(response.json["items"]), response.json["has_more"]) == (4, False)
    too_many = signed_get(client, credential, clock, f"/api/v1/sync/changes?cursor={feed}&limit={PAGE_SIZE + 1}")
    assert too_many.status_code == 400


def test_a_new_terminal_bootstraps_from_the_snapshot_and_continues_from_its_cursor(
        client, services, clock, credential, feed):
    first = signed_get(client, credential, clock, "/api/v1/sync/snapshot?limit=2")
    assert first.status_code == 200, first.json
    pages = [SnapshotPageSchema().load(first.json)]
    publish(services.db.engine, ("card", "6001", "upsert", {"status": "blocked"}, "B2"))
    while pages[-1].next_page:
        response = signed_get(client, credential, clock,
                              f"/api/v1/sync/snapshot?limit=2&page={pages[-1].next_page}")
        pages.append(SnapshotPageSchema().load(response.json))
    assert {p.cursor for p in pages} == {feed + 5}
    state = {(i.entity_type, i.entity_id): i.payload["status" if i.entity_type == "card" else "price"]
             for p in pages for i in p.items if i.entity_type in MINE}
    assert state == {("card", "6001"): "active", ("product", "4001"): 179, ("product", "4002"): 249}
    response = signed_get(client, credential, clock, f"/api/v1/sync/changes?cursor={feed + 5}")
    page = ChangesPageSchema().load(response.json)
    assert [(c.seq - feed, c.payload) for c in page.items] == [(6, {"status": "blocked"})]
    with services.db.session() as session:
        assert session.scalar(select(FeedPosition.snapshot_at)) == clock()


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5", "99999999999999999999"])
def test_a_malformed_cursor_is_a_400_problem(client, clock, credential, cursor):
    response = signed_get(client, credential, clock, f"/api/v1/sync/changes?cursor={cursor}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json" and "cursor" in response.json["errors"]


def test_a_cursor_ahead_of_the_feed_is_a_400_problem_asking_for_a_new_snapshot(
        client, clock, credential, feed):
    response = signed_get(client, credential, clock, f"/api/v1/sync/changes?cursor={feed + 6}")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.json["type"].endswith("/invalid-cursor") and response.json["head"] == feed + 5
    assert "snapshot" in response.json["detail"]


def test_a_forged_snapshot_page_token_is_a_400_problem(client, clock, credential):
    response = signed_get(client, credential, clock, "/api/v1/sync/snapshot?page=bm9wZQ")
    assert response.status_code == 400 and response.json["type"].endswith("/invalid-cursor")


def test_a_terminal_asking_for_another_stores_feed_is_403_and_audited(
        client, services, clock, credential, feed):
    for target in ("/api/v1/sync/changes?store=K7", "/api/v1/sync/snapshot?store=K7"):
        response = signed_get(client, credential, clock, target)
        assert response.status_code == 403 and response.json["reason"] == "wrong-store"
    own = signed_get(client, credential, clock, f"/api/v1/sync/changes?store=B2&cursor={feed}")
    assert own.status_code == 200 and len(own.json["items"]) == 4
    with services.db.session() as session:
        reasons = session.scalars(select(AuditRecord.reason).where(
            AuditRecord.action == "terminal.request_rejected")).all()
    assert reasons == ["wrong-store", "wrong-store"]


def test_unsigned_feed_requests_are_401(client, feed):
    for target in ("/api/v1/sync/changes", "/api/v1/sync/snapshot"):
        response = client.get(target)
        assert response.status_code == 401 and response.json["reason"] == "missing-headers"


def test_the_openapi_document_describes_the_feed_responses(client):
    document = client.get("/api/v1/openapi.json").json
    changes = document["paths"]["/api/v1/sync/changes"]["get"]
    assert changes["security"] == [{"terminalSignature": []}]
    assert {p["name"] for p in changes["parameters"]} >= {"cursor", "limit", "store"}
    page = document["components"]["schemas"]["ChangesPage"]
    assert set(page["required"]) == {"protocol_version", "cursor", "items", "next_cursor", "has_more"}
    assert "/api/v1/sync/snapshot" in document["paths"]
    assert "SnapshotPage" in document["components"]["schemas"]


def test_a_page_of_changes_records_the_tills_position_when_the_process_writes_them(
        client, services, clock, credential, feed):
    # Every request is due to write the positions: on SQLite the write must not wait for a lock
    # the page's own read transaction still holds (it then failed after the busy timeout).
    services.positions = PositionBuffer(services.db.sessions, flush_seconds=0)
    response = signed_get(client, credential, clock, f"/api/v1/sync/changes?cursor={feed}&limit=2")
    assert response.status_code == 200, response.json
    assert len(response.json["items"]) == 2
    with services.db.session() as session:
        terminal = session.scalar(select(Terminal).where(Terminal.key_id == credential.key_id))
        position = session.get(FeedPosition, terminal.id)
    assert position is not None and (position.cursor, position.read_at) == (feed, clock())
