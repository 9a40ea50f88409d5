"""Sign-in codes are limited per client address too, counted alike by every worker (Redis or the database)."""

from __future__ import annotations

import uuid

import pytest

from server.app import create_app
from server.services import Services
from tests.integration.admin_ui.backoffice import csrf_of
from tests.integration.member_page.pages import join

REDIS_URL = "redis://127.0.0.1:6379/0"
PER_ADDRESS = 4


@pytest.fixture(params=["database", "redis"])
def settings_values(request, settings_values) -> dict[str, str]:
    values = {**settings_values, "sign_in_codes_per_address": str(PER_ADDRESS)}
    if request.param == "redis":
        values |= {"redis_url": REDIS_URL, "queue_name": f"signin-{uuid.uuid4().hex[:8]}"}
    return values


@pytest.fixture
def other_worker(settings, clock):
    """A second server process's view: its own services and app over the same database and Redis."""
    built = Services.build(settings, clock=clock)
    yield create_app(services=built).test_client()
    built.dispose()


def _ask(client, contact: str, address: str):
    environ = {"REMOTE_ADDR": address}
    token = csrf_of(client.get("/me/sign-in", environ_base=environ).text)
    return client.post("/me/sign-in", data={"contact": contact, "csrf_token": token}, environ_base=environ)


def test_one_address_asking_for_many_codes_is_refused_on_every_worker_and_others_are_not(
        client, other_worker, desk, mailbox, clock, settings):
    join(client, desk)
    workers = [client, other_worker]
    contacts = ["ada@example.org", "+442079460001", "nobody@example.org", "+442079460002"]
    for i, contact in enumerate(contacts):  # members or not, each request counts
        assert _ask(workers[i % 2], contact, "203.0.113.7").status_code == 302
    for worker in workers:
        refused = _ask(worker, "+442079460003", "203.0.113.7")
        assert refused.status_code == 429 and "from this network" in refused.text
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert len(mailbox.messages) == 1  # the one member's code; the refusals sent nothing

    assert _ask(other_worker, "ada@example.org", "198.51.100.20").status_code == 302  # another address
    clock.advance(minutes=16)  # a new window
    assert _ask(client, "ada@example.org", "203.0.113.7").status_code == 302
    assert len(mailbox.messages) == 3
