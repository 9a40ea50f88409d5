"""`onecard server` applies a few journal batches at a time and turns the next away at once (server.admission).

A real gunicorn worker on PostgreSQL: one journal slot, two threads. The first batch is held in
its slot by a row lock the test takes on its member; the second batch is answered 503 with a
Retry-After at once, not queued behind it, while a card look-up is still served. Once the lock
goes, the first batch lands and the second, sent again, too.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from server.db import make_engine
from server.services import Services
from server.settings import Settings
from store_sync.http.client import terminal_session
from tests.conftest import TEST_SECRET
from tests.support.factories import make_terminal, seed_member
from tests.support.processes import onecard_env
from tests.support.stack import ServerProcess, wait_until

pytestmark = pytest.mark.postgres


def _batch(card: str | None) -> dict:
    body = {"id": str(uuid.uuid4()), "kind": "sale", "store": "S1", "terminal": "T1",
            "at": datetime.now(UTC).isoformat(), "offline": True,
            "lines": [{"line_id": "1", "sku": "NOT-SOLD", "qty": 1, "paid_minor": 250}],
            "tenders": [{"kind": "cash", "amount_minor": 250}], **({"card_number": card} if card else {})}
    return {"protocol_version": 1, "store": "S1", "terminal": "T1",
            "items": [{"id": body["id"], "seq": 1, "type": "transaction", "body": body}]}


def _waiting_for_a_lock(engine) -> bool:
    with engine.connect() as conn:  # a connection of its own: activity is read once per transaction
        return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                      "AND datname = current_database()")).scalar())


def test_a_batch_beyond_the_workers_slots_is_answered_503_at_once_while_look_ups_are_served(
        tmp_path, postgres_database):
    postgres_database.reset()
    values = {"data_dir": str(tmp_path), "database_url": postgres_database.url, "secret_key": TEST_SECRET}
    services = Services.build(Settings.from_values(values))
    credential = make_terminal(services, "S1", "T1")
    member_id, card = seed_member(services, 0, "Ada")
    services.dispose()
    server = ServerProcess(onecard_env(**values), tmp_path,
                           args=("--workers", "1", "--threads", "2", "--journal-slots", "1"))
    engine = make_engine(postgres_database.url)
    first: dict = {}
    try:
        server.start()
        journal = f"{server.url}/api/v1/sync/journal"
        with engine.connect() as lock:
            lock.execute(text("SELECT 1 FROM members WHERE id = :id FOR UPDATE"), {"id": member_id})
            sender = threading.Thread(target=lambda: first.update(
                answer=terminal_session(credential, server.url).post(journal, json=_batch(card), timeout=60)))
            sender.start()
            wait_until(lambda: _waiting_for_a_lock(engine), what="the first batch waiting for its member's lock")

            till = terminal_session(credential, server.url)
            second = _batch(None)
            began = time.monotonic()
            busy = till.post(journal, json=second, timeout=10)
            assert time.monotonic() - began < 5
            assert busy.status_code == 503
            assert busy.headers["Content-Type"] == "application/problem+json"
            assert busy.json()["type"].endswith("/server-busy")
            assert 2 <= int(busy.headers["Retry-After"]) <= 10
            assert till.get(f"{server.url}/api/v1/cards/{card}", timeout=10).status_code == 200
            lock.rollback()
        sender.join(60)
        assert first["answer"].status_code == 200
        assert [r["status"] for r in first["answer"].json()["results"]] == ["applied"]
        again = till.post(journal, json=second, timeout=30)
        assert again.status_code == 200
        assert [r["status"] for r in again.json()["results"]] == ["applied"]
    finally:
        server.kill()
        engine.dispose()
