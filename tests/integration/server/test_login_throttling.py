"""Login throttling: a guesser locks only their own address; spread-out guessing slows, never locks.

The test settings allow 3 failures per (address, username) in 600 s, so the per-username limit
is 12 failures, after which one attempt per 5 s is let through.
"""

import threading

import pytest
import requests
from werkzeug.serving import make_server

from tests.support.concurrency import concurrently
from tests.support.factories import PASSWORD, make_staff

ATTACKER, ADMIN_AT_HOME = "203.0.113.9", "198.51.100.20"


def _login(client, address, password, username="admin"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_a_guesser_locks_out_only_their_own_address_and_the_admin_still_signs_in(client, services):
    make_staff(services, "admin", "admin")
    assert [_login(client, ATTACKER, f"guess {n} guess").status_code for n in range(4)] == [401, 401, 401, 429]
    locked = _login(client, ATTACKER, PASSWORD)  # even the right password: this address is locked
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "600"
    assert _login(client, ADMIN_AT_HOME, PASSWORD).status_code == 200
    # The admin's success forgets the admin's own failures, not the guesser's.
    assert _login(client, ATTACKER, PASSWORD).status_code == 429


def test_the_lock_on_an_address_lifts_when_its_failures_leave_the_window(client, services, clock):
    make_staff(services, "admin", "admin")
    for n in range(3):
        _login(client, ATTACKER, f"guess {n} guess")
        clock.advance(seconds=100)
    locked = _login(client, ATTACKER, PASSWORD)
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "300"  # first failure + 600 s
    clock.advance(seconds=300)
    assert _login(client, ATTACKER, PASSWORD).status_code == 200


def test_guessing_from_many_addresses_slows_the_username_but_never_locks_the_admin_out(client, services, clock):
    make_staff(services, "admin", "admin")
    for n in range(12):  # 12 addresses, one guess each: no address reaches its own limit
        assert _login(client, f"192.0.2.{n + 1}", "wrong password").status_code == 401
    slowed = _login(client, ADMIN_AT_HOME, PASSWORD)
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "5"
    clock.advance(seconds=5)
    assert _login(client, ADMIN_AT_HOME, PASSWORD).status_code == 200


def test_a_slowed_username_still_lets_one_guess_through_every_five_seconds(client, services, clock):
    make_staff(services, "admin", "admin")
    for n in range(12):
        _login(client, f"192.0.2.{n + 1}", "wrong password")
    answers = []
    for second in range(11):
        answers.append(_login(client, f"192.0.2.{100 + second}", "still wrong").status_code)
        clock.advance(seconds=1)
    assert answers == [429, 429, 429, 429, 429, 401, 429, 429, 429, 429, 401]  # at 5 s and 10 s


def test_throttled_attempts_record_nothing_so_hammering_does_not_extend_the_lock(client, services, clock):
    make_staff(services, "admin", "admin")
    for n in range(3):
        _login(client, ATTACKER, f"guess {n} guess")
    for _ in range(50):
        clock.advance(seconds=10)
        assert _login(client, ATTACKER, "hammer hammer").status_code == 429
    clock.advance(seconds=100)  # 600 s after the three failures
    assert _login(client, ATTACKER, PASSWORD).status_code == 200


@pytest.fixture
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_parallel_guesses_from_one_address_get_no_more_than_the_limit(services, database_url, live_url):
    if database_url.startswith("sqlite"):
        pytest.skip("the user's row lock that orders parallel attempts is PostgreSQL's (SQLite ignores FOR UPDATE)")

    def guess(username, n):
        return lambda: requests.post(f"{live_url}/api/v1/auth/token", timeout=30,
                                     json={"username": username, "password": f"parallel guess {n}"}).status_code

    for round_ in range(5):  # a fresh user each round, 12 guesses released together
        make_staff(services, f"admin{round_}", "admin")
        answers = concurrently([guess(f"admin{round_}", n) for n in range(12)])
        assert sorted(answers) == [401] * 3 + [429] * 9, f"round {round_}: {answers}"
