"""The real server in-process over PostgreSQL (threaded werkzeug), reached by signed terminal calls."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime

import pytest
import requests
from werkzeug.serving import make_server

from server.app import create_app
from server.services import Services
from server.settings import Settings
from store_sync.http.client import terminal_session
from tests.conftest import TEST_SECRET
from tests.support.factories import make_terminal, seed_member


class InProcessServer:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._server = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def terminal(self, store: str, terminal: str):
        return make_terminal(self.services, store, terminal)

    def enrol(self, points: int, name: str = "Model Member") -> tuple[str, str]:
        return seed_member(self.services, points, name)


class TerminalClient:
    """Posts journal batches straight to the server, as a till (or an attacker with its key) would."""

    def __init__(self, server: InProcessServer, store: str, terminal: str, credential) -> None:
        self.server, self.store, self.terminal = server, store, terminal
        self.session = terminal_session(credential, server.url)

    def push(self, items: list[dict]) -> list[dict]:
        response = self.session.post(f"{self.server.url}/api/v1/sync/journal", data=json.dumps({
            "protocol_version": 1, "store": self.store, "terminal": self.terminal, "items": items}),
            headers={"Content-Type": "application/json"}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["results"]


def sale_body(store: str, terminal: str, card: str | None, paid_minor: int, points: int = 0,
              **extra) -> dict:
    """An offline sale of one line, paid with ``points`` (100 points = 1.00) and cash."""
    tenders = [{"kind": "points", "amount_minor": points, "points": points}] if points else []
    tenders.append({"kind": "cash", "amount_minor": paid_minor - points, "points": 0})
    return {"id": str(uuid.uuid4()), "kind": "sale", "store": store, "terminal": terminal,
            "at": datetime.now(UTC).isoformat(), "offline": True, "card_number": card,
            "lines": [{"line_id": "1", "sku": "GROCERY", "qty": 1, "paid_minor": paid_minor,
                       "category": "grocery", "excluded": False}],
            "tenders": tenders, **extra}


def item(body: dict, seq: int) -> dict:
    return {"id": body["id"], "seq": seq, "type": "transaction", "body": body}


@pytest.fixture
def live(postgres_database, tmp_path):
    postgres_database.reset()
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": postgres_database.url}))
    server = InProcessServer(services)
    yield server
    server.stop()
    services.db.dispose()


@pytest.fixture
def staff(live):
    from tests.support.factories import PASSWORD, make_staff

    make_staff(live.services, "faults-admin", "admin")
    session = requests.Session()
    token = session.post(f"{live.url}/api/v1/auth/token",
                         json={"username": "faults-admin", "password": PASSWORD}, timeout=30).json()
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    return session
