"""The fault proxy itself: each mode does to a real HTTP exchange what it promises."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from server.models import PostedTransaction
from tests.integration.faults.conftest import TerminalClient, item, sale_body
from tests.support.fault_proxy import FaultProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxy(live):
    with FaultProxy(("127.0.0.1", live.port)) as running:
        yield running


def health(proxy, timeout=5.0):
    return requests.get(f"{proxy.url}/api/v1/health", timeout=timeout)


def test_pass_forwards_and_notes_each_request_line(proxy):
    assert health(proxy).status_code == 200
    assert [(s.method, s.path) for s in proxy.requests_to("/api/v1/health", "GET")] == [("GET", "/api/v1/health")]


def test_drop_refuses_at_once_and_severs_live_keep_alive_connections(proxy):
    session = requests.Session()
    assert session.get(f"{proxy.url}/api/v1/health", timeout=5).status_code == 200
    proxy.drop()
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        session.get(f"{proxy.url}/api/v1/health", timeout=5)
    with pytest.raises(requests.ConnectionError):
        health(proxy)
    assert time.monotonic() - started < 2.0 and proxy.open_links == 0
    proxy.passing()
    assert health(proxy).status_code == 200


def test_blackhole_accepts_and_never_answers_so_only_the_client_timeout_ends_it(proxy):
    proxy.blackhole()
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        health(proxy, timeout=0.5)
    assert 0.5 <= time.monotonic() - started < 3.0
    proxy.passing()
    assert health(proxy).status_code == 200


def test_delay_holds_only_the_chosen_requests_answers(proxy):
    proxy.delay(400, only="/api/v1/health")
    started = time.monotonic()
    assert health(proxy).status_code == 200
    assert time.monotonic() - started >= 0.4
    proxy.delay(5_000, only="/api/v1/sync/journal")
    started = time.monotonic()
    assert requests.get(f"{proxy.url}/api/v1/health", timeout=5).status_code == 200
    assert time.monotonic() - started < 2.0


def test_cut_mid_response_leaves_the_work_done_on_the_server_and_the_client_without_an_answer(live, proxy):
    till = TerminalClient(live, "S1", "T1", live.terminal("S1", "T1"))
    till.server = type("Via", (), {"url": proxy.url})()  # the same signed till, through the proxy
    body = sale_body("S1", "T1", None, 1250)
    for cut_at in (40, 400):  # in the headers, then in the body: either way no usable answer
        proxy.cut(cut_at, only="/api/v1/sync/journal")
        with pytest.raises(requests.RequestException):
            till.push([item(body, 1)])
    with live.services.db.session() as session:
        assert session.scalar(select(PostedTransaction.total_minor).where(PostedTransaction.id == body["id"])) == 1250
    proxy.passing()
    assert [r["status"] for r in till.push([item(body, 1)])] == ["duplicate"]
