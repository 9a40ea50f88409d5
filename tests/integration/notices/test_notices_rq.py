"""Notices sent by real rq workers on PostgreSQL and Redis: a worker killed (SIGKILL) in the middle of
a batch and a new worker that finishes it, every member told exactly once; and the shared send rate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from redis import Redis
from sqlalchemy import select

from server.app import create_app
from server.jobs.tasks import deliver_notices
from server.models import MemberMessage
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.integration.notices.offers import SNACKS, WINDOW
from tests.integration.notices.postbox import Postbox
from tests.integration.pricing.conftest import PRODUCTS
from tests.support.factories import login, make_staff
from tests.support.processes import REPO, onecard_env, run_onecard

REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def deployment(postgres_database, tmp_path, postbox):
    """A server's services on PostgreSQL with rq on Redis, and the environment its workers run with."""
    postgres_database.reset()
    queue = f"onecard-test-{uuid.uuid4().hex[:10]}"
    values = {"data_dir": str(tmp_path), "database_url": postgres_database.url, "secret_key": TEST_SECRET,
              "redis_url": REDIS_URL, "queue_name": queue, "smtp_url": postbox.url, "notice_lease": "2",
              "public_url": "http://cards.example",
              # The workers run on the wall clock: at night the default quiet hours would hold every
              # message (they are tested on a test clock in test_notices.py).
              "quiet_hours": "none"}

    def build(**extra: str):
        services = Services.build(Settings.from_values({**values, **extra}))
        env = onecard_env(**{**values, **extra})
        return services, create_app(services=services).test_client(), env

    built: list[tuple] = []
    yield lambda **extra: built.append(build(**extra)) or built[-1]
    for services, _client, _env in built:
        services.dispose()
    redis = Redis.from_url(REDIS_URL)
    for key in redis.scan_iter(f"*{queue}*"):
        redis.delete(key)


@pytest.fixture
def postbox():
    box = Postbox().start()
    yield box
    box.stop()


def publish_to(client, services, count: int) -> str:
    make_staff(services, "mia", "marketing")
    make_staff(services, "sam", "member_service")
    marketer, desk = login(client, "mia"), login(client, "sam")
    assert client.post("/api/v1/products/bulk", json={"items": PRODUCTS}, headers=marketer).status_code == 200
    for n in range(count):
        joined = client.post("/api/v1/members", headers=desk, json={
            "name": f"M{n}", "email": f"m{n}@example.org", "consents": {"marketing_email": True}})
        assert joined.status_code == 201, joined.json
    offer = client.post("/api/v1/promotions", headers=marketer, json={
        "label": "Chips 30 % off", "rule": SNACKS, "state": "active", "targeting": {"members_only": True},
        "window": {**WINDOW, "end": "2036-01-01T00:00:00+00:00"},
        "notice": {"text": "Chips for less.", "channels": ["email"]}})
    assert offer.status_code == 201, offer.json
    return offer.json["id"]


def rows(services, promotion_id: str) -> list[MemberMessage]:
    with services.db.session() as session:
        return list(session.scalars(select(MemberMessage).where(MemberMessage.promotion_id == uuid.UUID(promotion_id))))


def test_a_worker_killed_mid_batch_leaves_the_rest_to_a_new_worker_and_no_member_is_told_twice(
        deployment, postbox):
    services, client, env = deployment(notice_rate="50")
    postbox.hold_conversation(4)  # the fourth message: its worker is caught talking to the mail server
    first = subprocess.Popen([sys.executable, "-m", "server.cli", "worker"], env=env, cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        promotion_id = publish_to(client, services, 10)  # its commit queues the deliver-notices job
        assert postbox.handler.holding.wait(60), "the worker never reached the fourth message"
        assert len(postbox.arrivals) == 3
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    postbox.let_go()
    claimed = rows(services, promotion_id)
    assert sorted(r.status for r in claimed) == ["pending"] * 7 + ["sent"] * 3
    assert {r.claimed_by for r in claimed if r.status == "pending"} != {None}  # still under the dead worker's lease
    time.sleep(2.2)  # ONECARD_NOTICE_LEASE=2: the dead worker's claims lapse
    services.jobs.enqueue(deliver_notices)  # what the scheduler does every minute
    second = run_onecard("worker", "--burst", env=env)
    assert second.returncode == 0, second.stderr
    assert postbox.count_by_address() == {f"m{n}@example.org": 1 for n in range(10)}
    assert sorted(r.status for r in rows(services, promotion_id)) == ["sent"] * 10


def test_two_workers_at_once_share_the_outbox_and_the_send_rate(deployment, postbox):
    services, client, env = deployment(notice_rate="2")
    promotion_id = publish_to(client, services, 7)  # queues one job; a second one as the scheduler would
    services.jobs.enqueue(deliver_notices)
    workers = [subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--burst"], env=env, cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    for worker in workers:
        assert worker.wait(120) == 0
    arrivals = postbox.arrivals
    assert postbox.count_by_address() == {f"m{n}@example.org": 1 for n in range(7)}
    # Two a second, all workers together: seven messages span at least four wall-clock seconds.
    assert arrivals[-1].at - arrivals[0].at >= 2.0
    assert sorted(r.status for r in rows(services, promotion_id)) == ["sent"] * 7
