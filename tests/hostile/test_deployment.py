"""A normal deployment works from the first request: `onecard server` as operators run it, on PostgreSQL.

Each test starts a real gunicorn master with forked workers, so what the workers inherit from
the master (its database connections above all) is what is under test.
"""

from __future__ import annotations

import http.client
import json
import selectors
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from store_sync.http.client import terminal_session
from store_sync.signing import sign_request
from tests.hostile.live_server import Chain, LiveServer, seed_chain

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BURST = 200
CLIENTS = 20
KINDS = ("health", "openapi", "login", "member search", "stores", "card look-up", "sync changes")


@pytest.fixture
def chain(postgres_database, tmp_path) -> Chain:
    postgres_database.reset()
    return seed_chain(postgres_database.url, tmp_path)


@dataclass(frozen=True)
class Answer:
    kind: str
    status: int | str  # the HTTP status, or the exception a client got instead of an answer
    right: bool  # the body answers this request (not another worker's or another client's)


def _ask(kind: str, n: int, chain: Chain, staff: requests.Session, till: requests.Session,
         base: str) -> Answer:
    name, card = chain.members[n % len(chain.members)]
    try:
        if kind == "health":
            r = staff.get(f"{base}/api/v1/health", timeout=60)
            return Answer(kind, r.status_code, r.ok and r.json()["database"]["ok"])
        if kind == "openapi":
            r = staff.get(f"{base}/api/v1/openapi.json", timeout=60)
            return Answer(kind, r.status_code, r.ok and "/api/v1/health" in r.json()["paths"])
        if kind == "login":
            r = requests.post(f"{base}/api/v1/auth/token", timeout=60,
                              json={"username": chain.staff_username, "password": chain.staff_password})
            return Answer(kind, r.status_code, r.ok and bool(r.json()["access_token"]))
        if kind == "member search":
            r = staff.get(f"{base}/api/v1/members", params={"q": name}, headers=chain.bearer, timeout=60)
            return Answer(kind, r.status_code, r.ok and [m["name"] for m in r.json()["items"]] == [name])
        if kind == "stores":
            r = staff.get(f"{base}/api/v1/stores", headers=chain.bearer, timeout=60)
            return Answer(kind, r.status_code, r.ok and [s["code"] for s in r.json()] == ["S001"])
        if kind == "card look-up":
            r = till.get(f"{base}/api/v1/cards/{card}", timeout=60)
            return Answer(kind, r.status_code, r.ok and (r.json()["card"]["number"], r.json()["member"]["name"])
                          == (card, name))
        # A first page may be empty while another request numbers the changes (readers do not
        # wait for the sequencer), so only the cursor it answers from is checked.
        r = till.get(f"{base}/api/v1/sync/changes", params={"cursor": 0}, timeout=60)
        return Answer(kind, r.status_code, r.ok and r.json()["cursor"] == "0" and isinstance(r.json()["items"], list))
    except (requests.RequestException, ValueError, KeyError) as exc:
        return Answer(kind, f"{type(exc).__name__}: {exc}"[:300], False)


def _burst(server: LiveServer, chain: Chain) -> tuple[list[Answer], float]:
    """BURST mixed requests from CLIENTS threads, each with its own keep-alive sessions."""
    answers: list[Answer] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def client(c: int) -> None:
        staff = requests.Session()
        till = terminal_session(chain.terminals[c % len(chain.terminals)], server.url)
        mine = [_ask(KINDS[n % len(KINDS)], n, chain, staff, till, server.url)
                for n in range(c, BURST, CLIENTS)]
        with lock:
            answers.extend(mine)

    def started_client(c: int) -> None:
        barrier.wait()
        client(c)

    threads = [threading.Thread(target=started_client, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    server.wait_accepting()
    fired = time.monotonic()
    barrier.wait()
    for t in threads:
        t.join(120)
    return answers, time.monotonic() - fired


def test_a_fresh_server_with_four_workers_answers_a_burst_of_200_mixed_requests_without_a_5xx(
        chain, postgres_database, tmp_path):
    with ConnectionCount(postgres_database.url) as connections, \
            LiveServer(postgres_database.url, tmp_path, "--workers", "4") as server:
        answers, took = _burst(server, chain)
        log = server.log()
    assert len(answers) == BURST
    failed = Counter((a.kind, a.status) for a in answers if a.status != 200)
    assert not failed, f"{sum(failed.values())} of {BURST} failed in {took:.1f} s: {dict(failed)}\n{log[-4000:]}"
    wrong = Counter(a.kind for a in answers if not a.right)
    assert not wrong, f"answers that do not match their request: {dict(wrong)}"
    assert Counter(a.kind for a in answers) == {kind: len(range(k, BURST, len(KINDS)))
                                                for k, kind in enumerate(KINDS)}
    assert not _troubles(log), log[-4000:]
    assert ("gunicorn, 4 workers x 4 threads, read timeout 30 s, keep-alive 15 s, "
            "2 journal batches at once per worker, up to 32 database connections (4+4 per worker)") in log
    assert 4 <= connections.most <= 32, "each worker opens its own, and no more than its pool allows"


def test_a_pool_smaller_than_the_threads_makes_requests_wait_for_a_connection_not_fail(
        chain, postgres_database, tmp_path):
    with ConnectionCount(postgres_database.url) as connections, \
            LiveServer(postgres_database.url, tmp_path, "--workers", "4",
                       db_pool_size="1", db_max_overflow="1") as server:
        answers, took = _burst(server, chain)
        log = server.log()
    failed = Counter((a.kind, a.status) for a in answers if a.status != 200)
    assert not failed and all(a.right for a in answers), f"{dict(failed)} in {took:.1f} s\n{log[-4000:]}"
    assert "up to 8 database connections (1+1 per worker)" in log
    assert connections.most <= 8


class ConnectionCount:
    """The most connections to one database seen at once, sampled while the block runs."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url, poolclass=NullPool)
        self.database = make_url(database_url).database
        self.most = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample)

    def _sample(self) -> None:
        with self.engine.connect() as conn:
            while not self._done.wait(0.05):
                count = conn.execute(text("SELECT count(*) FROM pg_stat_activity "
                                          "WHERE datname = :db AND pid <> pg_backend_pid()"),
                                     {"db": self.database}).scalar_one()
                conn.rollback()
                self.most = max(self.most, count)

    def __enter__(self) -> ConnectionCount:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join(30)
        self.engine.dispose()


LOGIN_HEAD = b"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
SLOW_BODY = LOGIN_HEAD + b"Content-Length: 100\r\n\r\n"  # then the body, a byte a second
SLOW_HEADERS = LOGIN_HEAD + b"X-Slow: "  # then the header's value, a byte a second


def _dribble(port: int, opening: bytes, started: threading.Event, result: dict, lasting: float) -> None:
    """Send ``opening``, then a byte a second until the server answers or lets go."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(opening)
    began = time.monotonic()
    started.set()
    with selectors.DefaultSelector() as sel:
        sel.register(sock, selectors.EVENT_READ)
        try:
            while time.monotonic() - began < lasting:
                if sel.select(timeout=1.0):  # the server answered or closed: either way we are out
                    result["answer"] = sock.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
                    break
                sock.sendall(b"a")
        except OSError as exc:
            result["answer"] = type(exc).__name__
        finally:
            result["after"] = time.monotonic() - began
            sock.close()


@pytest.mark.parametrize(("opening", "answered"), [
    pytest.param(SLOW_BODY, "HTTP/1.1 408 REQUEST TIMEOUT", id="body"),
    pytest.param(SLOW_HEADERS, "", id="headers"),  # no request yet to answer: the connection is closed
])
def test_slow_clients_do_not_stall_the_server_and_are_cut_off_at_the_read_timeout(
        chain, postgres_database, tmp_path, opening, answered):
    read_timeout, slow_clients = 5, 8
    with LiveServer(postgres_database.url, tmp_path, "--workers", "4", "--read-timeout", str(read_timeout)) as server:
        server.wait_accepting()
        _wait_healthy(server.url)
        results = [{} for _ in range(slow_clients)]
        started = [threading.Event() for _ in range(slow_clients)]
        dribblers = [threading.Thread(target=_dribble, args=(server.port, opening, s, r, 60))
                     for s, r in zip(started, results, strict=True)]
        for t in dribblers:
            t.start()
        for s in started:
            s.wait(10)
        time.sleep(1)  # every dribbler's request is now being read by some worker thread
        health_times = []
        for _ in range(5):
            asked = time.monotonic()
            response = requests.get(f"{server.url}/api/v1/health", timeout=60)
            health_times.append(time.monotonic() - asked)
            assert response.status_code == 200
        still_dribbling = sum(1 for r in results if "after" not in r)
        for t in dribblers:
            t.join(60)
        log = server.log()
    assert still_dribbling == slow_clients, "the health checks must have run while all were dribbling"
    assert max(health_times) < 3, f"health took {health_times} s with {slow_clients} slow clients"
    cut_after = sorted(round(r["after"], 1) for r in results)
    # A byte a second would go on for the test's 60 s; the server lets go at the read timeout.
    assert all(read_timeout - 1 <= after <= read_timeout + 5 for after in cut_after), cut_after
    answers = Counter(r["answer"] for r in results)
    # The answer is sent before the close; a reset (unread bytes at the close) may still overtake it.
    assert answers[answered] >= 1 and set(answers) <= {answered, "ConnectionResetError"}, answers
    assert not _troubles(log), log[-4000:]


def test_a_till_keeps_one_connection_open_across_its_requests(chain, postgres_database, tmp_path):
    with LiveServer(postgres_database.url, tmp_path, "--workers", "2") as server:
        server.wait_accepting()
        _wait_healthy(server.url)
        till = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        ports, statuses = set(), []
        for n in range(12):
            path = "/api/v1/health" if n % 2 else f"/api/v1/cards/{chain.members[0][1]}"
            headers = {} if n % 2 else _signed_headers(chain, path)
            till.request("GET", path, headers=headers)
            response = till.getresponse()
            statuses.append(response.status)
            json.loads(response.read())
            ports.add(till.sock.getsockname()[1])
            time.sleep(3 if n == 5 else 0.2)  # one pause longer than gunicorn's own 2 s keep-alive
        till.close()
    assert statuses == [200] * 12
    assert len(ports) == 1, f"the till had to reconnect: local ports {sorted(ports)}"


def _signed_headers(chain: Chain, path: str) -> dict[str, str]:
    return sign_request(chain.terminals[0], "GET", path, b"", int(time.time()))


def _troubles(log: str) -> list[str]:
    """Log lines of errors: ours (" ERROR "), gunicorn's ("[ERROR]", "[CRITICAL]") and tracebacks."""
    return [line for line in log.splitlines()
            if any(mark in line for mark in (" ERROR ", "[ERROR]", "[CRITICAL]", "Traceback"))]


def _wait_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/api/v1/health", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not become healthy within {timeout:.0f} s")
