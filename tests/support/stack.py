"""The whole system for end-to-end tests: the real server and real agents as separate processes.

``Stack`` prepares a fresh PostgreSQL database (schema, two stores with one terminal each, a staff
user, a small catalogue on the change feed), then runs ``python -m server.cli server --dev`` and
one ``python -m server.cli agent`` per store, each agent talking to the server through its own
``FaultProxy``. Every process runs in its own process group and is killed in ``close``.

Helpers drive sales through an agent's local HTTP API (with the till key from the agent's data
dir), kill -9 and restart agents, stop and restart the server, wait until journals drain, and read
the server's figures (staff API, or the database).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, text

from server.db import make_engine
from server.pricing.products import upsert_products
from server.services import Services
from server.settings import Settings
from tests.support.factories import PASSWORD, make_staff, make_terminal
from tests.support.fault_proxy import FaultProxy
from tests.support.processes import REPO, onecard_env
from tests.support.till_api import key_header

SECRET = "e2e-secret-key-that-is-long-enough-for-onecard"
STAFF = "hq-admin"
START_TIMEOUT = 90.0  # three Python processes importing Flask and SQLAlchemy on a loaded 2-core box
WAIT = 60.0


@dataclass(frozen=True)
class Product:
    sku: str
    barcode: str
    price_minor: int
    category: str
    excluded: bool = False

    def payload(self) -> dict[str, Any]:
        return {"sku": self.sku, "name": self.sku.title(), "category": self.category,
                "base_price_minor": self.price_minor, "excluded_from_points": self.excluded,
                "barcodes": [self.barcode]}


# No promotions: every line pays its shelf price, so a test's model is plain arithmetic.
BREAD = Product("BREAD", "4006381333931", 249, "bakery")
WINE = Product("WINE", "4001686301265", 1299, "wine")
COFFEE = Product("COFFEE", "4000417025005", 1500, "pantry")
CIGARETTES = Product("CIGS", "4002515289693", 850, "tobacco", excluded=True)
PRODUCTS = (BREAD, WINE, COFFEE, CIGARETTES)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], Any], timeout: float = WAIT, what: str = "condition",
               interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Process:
    """A ``python -m server.cli ...`` child in its own process group, logging to a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("a") as log:
            log.write(f"--- start {self.starts}: {' '.join(self.args)}\n")
            log.flush()
            self.popen = subprocess.Popen([sys.executable, "-m", "server.cli", *self.args], env=self.env,
                                          cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int, timeout: float = 30.0) -> None:
        """Send ``sig`` to the whole process group and wait until the process is gone."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout)
        self._reap_group()

    def kill(self) -> None:
        self.signal(signal.SIGKILL)

    def stop(self) -> None:
        self.signal(signal.SIGTERM)

    def _reap_group(self) -> None:
        # Anything the child left behind in its group (none expected) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, probe: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise AssertionError(f"{self.name} exited ({self.popen.returncode}):\n{self.log_tail()}")
            if probe():
                return
            time.sleep(0.1)
        raise AssertionError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


class ServerProcess(Process):
    """``onecard server --dev`` by default; ``args`` instead of ``--dev`` runs it as deployed (gunicorn)."""

    def __init__(self, env: dict[str, str], log_dir: Path, *, name: str = "server",
                 args: tuple[str, ...] = ("--dev",)) -> None:
        self.port = free_port()
        super().__init__(name, ["server", *args, "--host", "127.0.0.1", "--port", str(self.port)], env, log_dir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        super().start()
        self.wait_ready(lambda: _answers(f"{self.url}/api/v1/health"))

    def restart(self) -> None:
        self.stop()
        self.start()


class AgentError(AssertionError):
    """The agent's local API refused a call (status and problem body kept for the assertion)."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(f"agent answered {status}: {body}")
        self.status, self.body = status, body


class AgentProcess(Process):
    """``onecard agent`` for one till, its fault proxy, and a client for its local API."""

    def __init__(self, store: str, terminal: str, credential: str, proxy: FaultProxy | None, env: dict[str, str],
                 root: Path, *, server_url: str | None = None) -> None:
        """The agent talks to ``server_url`` (one or several, comma-separated) or else through ``proxy``."""
        self.store, self.terminal, self.proxy = store, terminal, proxy
        self.port = free_port()
        self.data_dir = root / f"agent-{store}-{terminal}"
        super().__init__(f"agent-{store}-{terminal}",
                         ["agent", "--store", store, "--terminal", terminal, "--server", server_url or proxy.url,
                          "--port", str(self.port), "--data-dir", str(self.data_dir)],
                         {**env, "ONECARD_TERMINAL_CREDENTIAL": credential}, root)
        self.http = requests.Session()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/local/v1"

    def start(self, *, online: bool = True) -> None:
        super().start()
        self.wait_ready(lambda: _answers(f"{self.url}/status"))
        if online:
            self.wait_online()

    def restart(self) -> None:
        self.kill()
        self.http = requests.Session()
        self.start(online=False)

    # -- the local API -------------------------------------------------------------------------

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        # The till key is read from the agent's data dir, as a front end on the till would.
        headers = key_header(self.data_dir, self.store, self.terminal)
        response = self.http.request(method, self.url + path, json=body, headers=headers, timeout=30)
        payload = response.json() if response.content else {}
        if response.status_code >= 400:
            raise AgentError(response.status_code, payload)
        return payload

    def status(self) -> dict:
        return self.call("GET", "/status")

    def sell(self, codes: list[str | Product], *, card: str | None = None, points: int = 0) -> dict:
        """Scan ``codes`` (or products), attach the card, redeem ``points``, pay the rest in cash, complete."""
        basket = self.call("POST", "/baskets")
        for code in codes:
            self.call("POST", f"/baskets/{basket['id']}/items", {"code": getattr(code, "barcode", code)})
        if card:
            self.call("POST", f"/baskets/{basket['id']}/member", {"card_number": card})
        if points:
            self.call("POST", f"/baskets/{basket['id']}/redemption", {"points": points})
        view = self.call("GET", f"/baskets/{basket['id']}")
        if view["due"]:
            self.call("POST", f"/baskets/{basket['id']}/tenders", {"kind": "cash"})
        return self.call("POST", f"/baskets/{basket['id']}/complete")

    def void(self, sale_id: str) -> dict:
        return self.call("POST", f"/transactions/{sale_id}/void")

    def journal(self, status: str) -> list[dict]:
        return self.call("GET", f"/journal?status={status}")["items"]

    def cached(self, entity_type: str, entity_id: str) -> dict | None:
        """What the till's cache holds for an entity (read-only look into its SQLite file)."""
        path = self.data_dir / f"agent-{self.store}-{self.terminal}.sqlite3"
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            row = conn.execute("SELECT payload, deleted FROM entities WHERE entity_type = ? AND entity_id = ?",
                               (entity_type, entity_id)).fetchone()
        except sqlite3.OperationalError:  # the agent has not created its tables yet
            return None
        finally:
            conn.close()
        return None if row is None or row[1] else json.loads(row[0])

    # -- waiting -------------------------------------------------------------------------------

    def wait_cached(self, entity_type: str, entity_id: str, check: Callable[[dict], bool] = bool,
                    timeout: float = WAIT) -> dict:
        return wait_until(lambda: (found := self.cached(entity_type, entity_id)) is not None and check(found)
                          and found, timeout, f"{self.name} to cache {entity_type} {entity_id}")

    def wait_online(self, timeout: float = WAIT) -> None:
        wait_until(lambda: self.status()["mode"] == "online" and self.status()["data_as_of"], timeout,
                   f"{self.name} online and caught up")

    def wait_offline(self, timeout: float = WAIT) -> None:
        wait_until(lambda: self.status()["mode"] == "offline", timeout, f"{self.name} offline")

    def wait_drained(self, timeout: float = WAIT) -> dict:
        """Until nothing is pending or waiting for a retry; returns the journal counts."""
        def drained():
            counts = self.status()["journal"]
            return counts if counts["pending"] == 0 and counts["retry"] == 0 else None
        return wait_until(drained, timeout, f"{self.name}'s journal to drain")

    def wait_caught_up(self, predicate: Callable[[dict], bool], timeout: float = WAIT) -> None:
        wait_until(lambda: predicate(self.status()), timeout, f"{self.name} status condition")


class StaffClient:
    """The server's staff API with an admin token (enrolment, adjustments, accounts, reports)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self._login()

    def _login(self) -> None:
        response = requests.post(f"{self.base_url}/api/v1/auth/token",
                                 json={"username": STAFF, "password": PASSWORD}, timeout=30)
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def call(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> dict:
        response = self.http.request(method, self.base_url + path, json=body, timeout=30)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        return response.json()

    def enrol(self, name: str, home_store: str, points: int = 0) -> tuple[str, str]:
        """A member with a card and an opening balance; returns (member_id, card_number)."""
        member = self.call("POST", "/api/v1/members", {"name": name, "home_store": home_store}, expect=201)
        if points:
            self.call("POST", f"/api/v1/members/{member['id']}/adjustments",
                      {"id": f"opening-{member['id']}", "points": points, "reason": "opening balance"},
                      expect=201)
        return str(member["id"]), member["card"]["number"]

    def account(self, member_id: str) -> dict:
        return self.call("GET", f"/api/v1/members/{member_id}/account")

    def set_card_state(self, card: str, state: str, reason: str = "reported stolen") -> dict:
        return self.call("POST", f"/api/v1/cards/{card}/state", {"state": state, "reason": reason})

    def reconciliation(self) -> dict:
        return self.call("GET", "/api/v1/reports/reconciliation")


@dataclass
class Stack:
    """A running server and one agent per store, each agent behind its own fault proxy."""

    root: Path
    database_url: str
    stores: tuple[str, ...] = ("S1", "S2")
    server: ServerProcess = field(init=False)
    agents: dict[str, AgentProcess] = field(init=False, default_factory=dict)
    proxies: dict[str, FaultProxy] = field(init=False, default_factory=dict)
    credentials: dict[str, str] = field(init=False, default_factory=dict)
    staff: StaffClient = field(init=False)
    engine: Engine = field(init=False)

    def start(self) -> Stack:
        self.root.mkdir(parents=True, exist_ok=True)
        env = onecard_env(database_url=self.database_url, data_dir=str(self.root), secret_key=SECRET)
        self.prepare_database()
        self.server = ServerProcess(env, self.root)
        self.engine = make_engine(self.database_url)
        for store in self.stores:
            self.proxies[store] = FaultProxy(("127.0.0.1", self.server.port)).start()
            self.agents[store] = AgentProcess(store, "T1", self.credentials[store], self.proxies[store], env,
                                              self.root)
        self.server.start()
        for agent in self.agents.values():  # start them all, then wait: the imports overlap
            Process.start(agent)
        for agent in self.agents.values():
            agent.wait_ready(lambda a=agent: _answers(f"{a.url}/status"))
            agent.wait_online()
        self.staff = StaffClient(self.server.url)
        return self

    def close(self) -> None:
        for agent in self.agents.values():
            agent.kill()
        if getattr(self, "server", None) is not None:
            self.server.kill()
        for proxy in self.proxies.values():
            proxy.close()
        if getattr(self, "engine", None) is not None:
            self.engine.dispose()

    def prepare_database(self) -> None:
        services = Services.build(Settings.from_values({"data_dir": str(self.root), "secret_key": SECRET,
                                                        "database_url": self.database_url}))
        try:
            for store in self.stores:
                self.credentials[store] = str(make_terminal(services, store, "T1"))
            make_staff(services, STAFF, "admin")
            # In the server's catalogue (which publishes them to the feed), so it re-prices offline sales.
            with services.db.session() as session:
                upsert_products(session, [{**p.payload(), "tax_class": "standard", "active": True} for p in PRODUCTS],
                                services.clock())
                session.commit()
        finally:
            services.db.dispose()

    # -- the server's side, read directly ------------------------------------------------------

    def posted(self) -> dict[str, dict]:
        """Every transaction the server holds, by id (kind, store, member, points, total)."""
        with self.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, kind, store_code, member_id, points_earned, points_redeemed, total_minor, offline "
                "FROM transactions")).mappings().all()
        return {row["id"]: dict(row) for row in rows}

    def exceptions(self) -> list[dict]:
        return self.staff.reconciliation()["exceptions"]

    def wait_all_drained(self) -> None:
        for agent in self.agents.values():
            agent.wait_online()
            counts = agent.wait_drained()
            assert counts["rejected"] == 0, agent.journal("rejected")


def new_id() -> str:
    return str(uuid.uuid4())
