"""A flood of junk terminal requests writes a handful of counted audit rows; known keys stay one row each."""

import json
import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from server.models import AuditRecord
from store_sync.signing import TerminalCredential, sign_request
from tests.support.concurrency import concurrently
from tests.support.factories import login, make_staff, make_terminal

CHANGES = "/api/v1/sync/changes?cursor=0"
REJECTED = "terminal.request_rejected"


def _rows(services):
    with services.db.session() as session:
        return session.execute(select(AuditRecord.remote_addr, AuditRecord.reason, AuditRecord.count,
                                      AuditRecord.actor_type)
                               .where(AuditRecord.action == REJECTED)
                               .order_by(AuditRecord.remote_addr, AuditRecord.reason)).all()


def _signed(credential, clock, *, sent_at=None):
    return sign_request(credential, "GET", CHANGES, b"", int((sent_at or clock()).timestamp()))


def test_two_hundred_junk_requests_write_one_row_per_address_reason_and_minute(client, services, clock):
    stranger = TerminalCredential.generate()
    for n in range(200):
        address = "203.0.113.9" if n % 4 else "198.51.100.7"
        headers = _signed(stranger, clock) if n % 2 else {"X-OneCard-Key": f"junk-{n}"}
        assert client.get(CHANGES, headers=headers, environ_base={"REMOTE_ADDR": address}).status_code == 401
    assert _rows(services) == [("198.51.100.7", "missing-headers", 50, "anonymous"),
                               ("203.0.113.9", "missing-headers", 50, "anonymous"),
                               ("203.0.113.9", "unknown-key", 100, "anonymous")]
    clock.advance(minutes=1)  # a new minute starts a new row
    client.get(CHANGES, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert [row.count for row in _rows(services)] == [50, 1, 50, 100]


def test_rejections_of_a_registered_terminal_key_are_each_their_own_record(client, services, clock):
    credential = make_terminal(services, "B2", "T1")
    for _ in range(5):
        stale = _signed(credential, clock, sent_at=clock() - timedelta(seconds=400))
        assert client.get(CHANGES, headers=stale).json["reason"] == "stale"
    with services.db.session() as session:
        rows = session.execute(select(AuditRecord.actor, AuditRecord.count, AuditRecord.bucket)
                               .where(AuditRecord.action == REJECTED)).all()
    assert rows == [(credential.key_id, 1, None)] * 5


def test_the_audit_log_shows_how_many_requests_a_counted_row_stands_for(client, services):
    make_staff(services, "root", "admin")
    for _ in range(30):
        client.get(CHANGES)
    listed = client.get(f"/api/v1/audit?action={REJECTED}", headers=login(client, "root")).json["items"]
    assert [(r["reason"], r["count"], r["actor_type"]) for r in listed] == [("missing-headers", 30, "anonymous")]


@pytest.fixture
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_parallel_junk_requests_all_land_in_one_counted_row(services, live_url):
    junk_headers = {"X-OneCard-Key": "nobody", "Content-Type": "application/json"}

    def junk(n):
        return lambda: requests.post(f"{live_url}/api/v1/sync/journal", data=json.dumps({"n": n}),
                                     headers=junk_headers, timeout=30).status_code

    for round_ in range(1, 4):
        assert concurrently([junk(n) for n in range(40)]) == [401] * 40
        with services.db.session() as session:
            rows = session.execute(select(func.count(), func.sum(AuditRecord.count))
                                   .where(AuditRecord.action == REJECTED)).one()
        assert tuple(rows) == (1, 40 * round_)
