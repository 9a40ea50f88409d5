"""The agent's signing client (store_sync.http) against a real HTTP server, not the test client."""

import threading

import pytest
from werkzeug.serving import make_server

from store_sync.http.client import terminal_session
from tests.support.factories import make_terminal


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_the_signing_client_is_accepted_and_query_strings_are_signed(services, clock, live_server):
    import time

    clock.now = clock.now.fromtimestamp(time.time(), tz=clock.now.tzinfo)  # the client signs real time
    credential = make_terminal(services, "B2", "T1")
    session = terminal_session(credential, live_server)
    body = {"store": "B2", "terminal": "T1", "agent_version": "0.1.0"}
    response = session.post(f"{live_server}/api/v1/terminals/heartbeat?probe=yes%20really", json=body)
    assert response.status_code == 200, response.text
    second = session.post(f"{live_server}/api/v1/terminals/heartbeat", json=body)
    assert second.status_code == 200  # a fresh nonce each time
