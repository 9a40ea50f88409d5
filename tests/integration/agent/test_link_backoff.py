"""The till's link under a busy, slow or flaky server: it backs off, obeys Retry-After, stays online
while the server is merely slow, and keeps one HTTP connection alive.

The server here is a real threaded HTTP/1.1 server speaking just enough of the sync protocol (an
empty feed); the till is the real agent over the real signed ``HttpServerLink``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from pos_agent.checkout.service import Till
from pos_agent.exceptions import LinkDown, ServerBusy, ServerSlow
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from pos_agent.store.database import Database
from pos_agent.sync.mode import LinkMode, Mode
from store_sync.signing import TerminalCredential

EMPTY_FEED = {"protocol_version": 1, "cursor": "0", "items": [], "next_cursor": "0", "has_more": False}
EMPTY_SNAPSHOT = {"protocol_version": 1, "cursor": "0", "items": [], "next_page": None}
QUICK = Timing(sync_interval=0.2, probe_interval=0.1, backoff_base=0.05, backoff_cap=30.0, heartbeat_interval=0.2)


class StubServer(ThreadingHTTPServer):
    """Counts accepted connections and requests; answers ok, busy (503), slow, or drops one request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.requests: list[tuple[float, str, str, int]] = []  # (monotonic time, method, path, status)
        self.nonces: list[str] = []
        self.status = 200  # 200, 500 or 503 for every call
        self.retry_after: str | None = None
        self.delay = 0.0
        self.drop_next: set[str] = set()  # methods whose next request is read, then its connection closed
        self.busy_paths: set[str] = set()  # paths answered 503 server-busy (that call alone turned away)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def process_request(self, request, client_address) -> None:
        with self.lock:
            self.connections += 1
        super().process_request(request, client_address)

    def seen(self, method: str | None = None, path: str | None = None, since: float = 0.0) -> int:
        with self.lock:
            return sum(1 for at, m, p, _ in self.requests
                       if at >= since and method in (None, m) and (path is None or p.startswith(path)))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn's threaded workers offer it
    server: StubServer

    def log_message(self, *args) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server = self.server
        with server.lock:
            dropped = self.command in server.drop_next
            server.drop_next.discard(self.command)
            status = server.status
            call_busy = urlsplit(self.path).path in server.busy_paths
            status = 503 if call_busy else status
            server.requests.append((time.monotonic(), self.command, self.path, 0 if dropped else status))
            server.nonces.append(self.headers.get("X-OneCard-Nonce", ""))
        if dropped:  # the server closed this kept-alive connection just as the request came in
            self.close_connection = True
            return
        time.sleep(server.delay)
        problem = {"type": "https://onecard.example/problems/server-busy"} if call_busy else {}
        body = json.dumps(_body(urlsplit(self.path).path) if status == 200 else {**problem, "detail": "busy"}).encode()
        self.send_response(status)
        if status == 503 and server.retry_after:
            self.send_header("Retry-After", server.retry_after)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _body(path: str) -> dict:
    if path == "/api/v1/sync/changes":
        return EMPTY_FEED
    if path == "/api/v1/sync/snapshot":
        return EMPTY_SNAPSHOT
    return {"status": "ok"}


@pytest.fixture
def stub():
    server = StubServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def make_agent(tmp_path, stub):
    built: list[Agent] = []

    def make(timing: Timing = QUICK, lookup_timeout: float = 0.8) -> Agent:
        link = HttpServerLink(TerminalCredential.generate(), stub.url, lookup_timeout=lookup_timeout)
        agent = Agent(Database(tmp_path / f"till-{len(built)}.sqlite3"), link, Till("S001", "T1"), timing=timing)
        built.append(agent)
        return agent

    yield make
    for agent in built:
        agent.stop()


def _wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def _modes_during(agent: Agent, seconds: float) -> set[Mode]:
    seen, deadline = set(), time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.add(agent.mode.mode)
        time.sleep(0.02)
    return seen


def test_a_server_answering_503_with_retry_after_2_hears_nothing_for_2_seconds_and_the_till_stays_online(
        stub, make_agent):
    agent = make_agent()
    agent.start()
    _wait_for(lambda: agent.mode.online)
    stub.status, stub.retry_after = 503, "2"
    started = time.monotonic()
    _wait_for(lambda: stub.seen(since=started) > 0)
    first_busy = stub.requests[-1][0]
    assert _modes_during(agent, 1.5) == {Mode.ONLINE}
    # Calls already on their way when the first 503 came back may land just after it; none later.
    assert stub.seen(since=first_busy + 0.1) == 0
    time.sleep(max(0.0, first_busy + 2.0 - time.monotonic()))
    stub.status = 200
    _wait_for(lambda: stub.seen(since=first_busy + 2.0) > 0, timeout=3.0)
    assert agent.mode.online


def test_a_journal_batch_turned_away_server_busy_quiets_journal_sends_alone_not_look_ups_or_feed_reads(stub):
    link = HttpServerLink(TerminalCredential.generate(), stub.url)
    stub.busy_paths, stub.retry_after = {"/api/v1/sync/journal"}, "5"
    batch = {"protocol_version": 1, "store": "S001", "terminal": "T1", "items": []}
    with pytest.raises(ServerBusy) as refused:
        link.send_journal(batch)
    assert refused.value.retry_after == 5
    assert link.changes(0, 100).items == () and link.health()  # both reach the server
    assert stub.seen("GET") == 2
    with pytest.raises(ServerBusy):  # refused at the till, without a request, while the 5 s run
        link.send_journal(batch)
    assert stub.seen("POST") == 1
    stub.busy_paths, stub.status = set(), 503  # a server busy as a whole (no server-busy type) quiets every call
    with pytest.raises(ServerBusy):
        link.changes(0, 100)
    assert not link.health()
    assert stub.seen("GET") == 3


def test_an_offline_till_probes_ever_less_often_not_ten_times_a_second(stub, make_agent):
    agent = make_agent()
    agent.start()
    _wait_for(lambda: agent.mode.online)
    stub.status = 500  # a server error: the till goes offline, and health answers 500 too
    started = time.monotonic()
    _wait_for(lambda: not agent.mode.online)
    time.sleep(4.0 - (time.monotonic() - started))
    # At a fixed probe_interval of 0.1 s this would be about 40 probes. Doubling delays from 0.1 s,
    # each drawn between half and all of its ceiling, put the 8th probe at least 6.3 s after the first.
    assert stub.seen("GET", "/api/v1/health", since=started) <= 7
    assert stub.seen("GET", "/api/v1/sync", since=started) <= 9
    stub.status = 200
    _wait_for(lambda: agent.mode.online, timeout=10.0)


def test_a_slow_server_keeps_the_till_online_until_three_timeouts_in_a_row(stub, make_agent):
    agent = make_agent(lookup_timeout=0.3)  # loops not started: every call below is the test's
    agent.sync_round()
    assert agent.mode.online
    stub.delay = 0.6  # slower than a look-up may wait, well within a sync call's 10 s
    for _ in range(2):
        agent.heartbeat()
    assert agent.mode.online
    agent.sync_round()  # slow but answered: the timeouts so far no longer count
    for _ in range(2):
        agent.heartbeat()
    assert agent.mode.online
    agent.heartbeat()
    assert agent.mode.mode is Mode.OFFLINE and "3 timeouts in a row" in agent.mode.reason


def test_a_timed_out_look_up_raises_server_slow_and_counts_toward_offline_only_with_others(stub):
    link = HttpServerLink(TerminalCredential.generate(), stub.url, lookup_timeout=0.2)
    mode = LinkMode(time.time)
    mode.went_online()
    stub.delay = 0.4
    with pytest.raises(ServerSlow) as slow:
        link.look_up_card("2700000010013")
    mode.failed(slow.value)
    assert mode.online


def test_the_till_keeps_one_connection_for_all_its_calls(stub, make_agent):
    agent = make_agent()
    for _ in range(10):
        agent.sync_round()
        agent.heartbeat()
    assert stub.seen() >= 21  # the snapshot, then 10 feed reads and 10 heartbeats
    assert stub.connections == 1


def test_a_get_on_a_connection_the_server_just_closed_is_sent_again_once_with_a_fresh_signature(stub):
    link = HttpServerLink(TerminalCredential.generate(), stub.url)
    assert link.changes(0, 200).next_cursor == 0
    stub.drop_next.add("GET")
    assert link.changes(0, 200).next_cursor == 0
    assert stub.seen("GET", "/api/v1/sync/changes") == 3 and stub.connections == 2
    assert len(set(stub.nonces[-2:])) == 2


def test_a_post_on_a_connection_the_server_just_closed_is_not_sent_again(stub):
    link = HttpServerLink(TerminalCredential.generate(), stub.url)
    link.heartbeat("S001", "T1", "1.0")
    stub.drop_next.add("POST")
    with pytest.raises(LinkDown):
        link.heartbeat("S001", "T1", "1.0")
    assert stub.seen("POST") == 2


def _closed_port_url() -> str:
    """A URL nothing listens on: connecting is refused, so no request can have reached a server."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_till_given_several_servers_sends_a_call_refused_by_one_to_the_next_at_once_and_stays_there(stub):
    link = HttpServerLink(TerminalCredential.generate(), f"{_closed_port_url()},{stub.url}")
    link.heartbeat("S001", "T1", "1.0")  # refused by the first, so sent to the second
    link.heartbeat("S001", "T1", "1.0")
    assert stub.seen("POST") == 2 and link.base_url == stub.url


def test_a_post_that_may_have_reached_one_server_is_not_repeated_on_the_next_but_the_next_call_goes_there(stub):
    other = StubServer()
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        link = HttpServerLink(TerminalCredential.generate(), f"{stub.url},{other.url}")
        link.heartbeat("S001", "T1", "1.0")
        stub.drop_next.add("POST")
        with pytest.raises(LinkDown):
            link.heartbeat("S001", "T1", "1.0")  # read by the first server, then its connection closed
        assert (stub.seen("POST"), other.seen("POST")) == (2, 0)
        link.heartbeat("S001", "T1", "1.0")
        assert (stub.seen("POST"), other.seen("POST")) == (2, 1)
    finally:
        other.shutdown()
        other.server_close()
