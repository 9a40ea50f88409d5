"""The real server in-process (threaded werkzeug on a fresh SQLite file) that a test can stop and restart."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from server.app import create_app
from server.membership.accounts import account_summary
from server.models import Member, ReconciliationException
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.integration.agent.catalogue import catalogue_changes, member_payload
from tests.support.factories import seed_member
from tests.support.feed import publish
from tests.support.wsgi import closing_body


class LiveServer:
    """The central server on a fixed port; ``stop`` really closes the port, ``start`` reopens it."""

    def __init__(self, services) -> None:
        self.services = services
        self.app = create_app(services=services)
        self._server = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.port, closing_body(self.app), threaded=True)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def publish_catalogue(self) -> None:
        publish(self.services.db.engine, *catalogue_changes())

    def enrol(self, points: int, name: str = "Ada Member") -> tuple[str, str]:
        """A member with a card and a seeded balance, published to the feed like the server would."""
        now = self.services.clock()
        member_id, number = seed_member(self.services, points, name)
        publish(self.services.db.engine,
                ("member", member_id, "upsert", member_payload(member_id, available=points, taken_at=now, name=name),
                 None),
                ("card", number, "upsert", {"number": number, "member_id": member_id, "state": "active"}, None))
        return member_id, number

    def account(self, member_id: str):
        with self.services.db.session() as session:
            member = session.get(Member, uuid.UUID(member_id))
            return account_summary(session, member, self.services.program, self.services.clock())

    def exception_kinds(self) -> list[str]:
        """The kinds of reconciliation exception the server recorded, oldest first."""
        with self.services.db.session() as session:
            return list(session.scalars(select(ReconciliationException.kind)
                                        .order_by(ReconciliationException.created_at)))


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def live_server(tmp_path, sqlite_template) -> Iterator[LiveServer]:
    """The real server on a fresh SQLite file, started, with the store's catalogue on its feed."""
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": sqlite_template.copy_to(tmp_path)}))
    server = LiveServer(services)
    server.start()
    server.publish_catalogue()
    yield server
    server.stop()
    services.db.dispose()
