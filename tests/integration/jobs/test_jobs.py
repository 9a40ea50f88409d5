"""Background jobs: a worker thread in-process without Redis; a real Redis and rq worker with it."""

import threading
import uuid
from datetime import timedelta

import pytest
from redis import Redis
from rq.job import Job, JobStatus

from server.jobs import Jobs, JobState
from server.jobs.tasks import purge_seen_nonces
from server.models import TerminalNonce
from server.services import Services
from server.settings import Settings
from tests.support.factories import login, make_staff
from tests.support.jobs import Counter, always_fails, count_in_steps, fail_first_time, wait_for
from tests.support.processes import onecard_env, run_onecard

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def jobs_alone():
    jobs = Jobs(None)
    yield jobs
    jobs.close()


def test_an_in_process_job_runs_after_enqueue_has_returned(jobs_alone):
    gate = threading.Event()
    queued = jobs_alone.enqueue(wait_for, gate)
    assert queued.state is JobState.QUEUED and queued.result is None
    gate.set()
    done = jobs_alone.wait(queued.id, timeout=10)
    assert done.state is JobState.FINISHED and done.result == "gate opened" and done.attempts == 1


def test_in_process_jobs_are_retried_after_a_failure(jobs_alone):
    counter = Counter()
    done = jobs_alone.run(counter.fail_once, retries=2, retry_intervals=(0,))
    assert done.state is JobState.FINISHED and done.result == "ok" and done.attempts == 2
    assert counter.calls == 2


def test_an_in_process_job_that_keeps_failing_is_reported_failed(jobs_alone, caplog):
    done = jobs_alone.run(always_fails, retries=2, retry_intervals=(0, 0))
    assert done.state is JobState.FAILED and done.attempts == 3
    assert done.error == "RuntimeError: this job never succeeds"
    assert sum("always_fails) failed" in r.getMessage() for r in caplog.records) == 3


def test_a_failed_attempt_waits_its_retry_interval_without_holding_up_other_jobs(jobs_alone):
    counter = Counter()
    retried = jobs_alone.enqueue(counter.fail_once, retries=1, retry_intervals=(2,))
    quick = jobs_alone.run(count_in_steps, 3, timeout=1.5)
    assert quick.state is JobState.FINISHED
    assert jobs_alone.status(retried.id).state is JobState.QUEUED  # waiting for its second attempt
    assert jobs_alone.wait(retried.id, timeout=10).attempts == 2


def test_the_nonce_purge_job_forgets_only_nonces_past_twice_the_window(app, services, clock):
    with services.db.session() as session:
        session.add_all([
            TerminalNonce(key_id="k", nonce="old" * 6, seen_at=clock() - timedelta(seconds=601)),
            TerminalNonce(key_id="k", nonce="new" * 6, seen_at=clock() - timedelta(seconds=599)),
        ])
        session.commit()
    assert services.jobs.run(purge_seen_nonces).result == 1
    with services.db.session() as session:
        assert [n.nonce for n in session.query(TerminalNonce)] == ["new" * 6]


def test_a_page_reads_an_in_process_jobs_progress_and_result_by_id(app, client, services):
    make_staff(services, "hq1", "hq")
    headers = login(client, "hq1")
    gate = threading.Event()
    job_id = services.jobs.enqueue(wait_for, gate, (1, 2)).id
    seen = _poll(client, job_id, headers, lambda body: body["progress"]["done"] == 1)
    assert seen["state"] == "running" and seen["progress"] == {"done": 1, "total": 2, "note": "halfway"}
    gate.set()
    services.jobs.wait(job_id, timeout=10)
    body = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json
    assert body["state"] == "finished" and body["result"] == "gate opened" and body["attempts"] == 1
    assert body["started_at"] <= body["finished_at"]


def test_jobs_are_read_by_hq_marketing_and_admin_only_and_an_unknown_id_is_404(app, client, services):
    make_staff(services, "cash", "cashier")
    make_staff(services, "mkt", "marketing")
    job_id = services.jobs.run(count_in_steps, 2).id
    assert client.get(f"/api/v1/jobs/{job_id}", headers=login(client, "cash")).status_code == 403
    marketing = login(client, "mkt")
    assert client.get(f"/api/v1/jobs/{job_id}", headers=marketing).json["progress"]["done"] == 2
    missing = client.get(f"/api/v1/jobs/{uuid.uuid4()}", headers=marketing)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def _poll(client, job_id, headers, condition, tries: int = 200):
    import time

    for _ in range(tries):
        body = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json
        if condition(body):
            return body
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never got there: {body}")


@pytest.fixture
def queue_name():
    name = f"onecard-test-{uuid.uuid4().hex[:10]}"
    yield name
    redis = Redis.from_url(REDIS_URL)
    for key in redis.scan_iter(f"*{name}*"):
        redis.delete(key)


@pytest.mark.redis
def test_a_failing_job_is_retried_by_a_real_rq_worker(queue_name, tmp_path):
    counter_key = f"{queue_name}:attempts"
    jobs = Jobs(REDIS_URL, queue_name)
    queued = jobs.enqueue(fail_first_time, REDIS_URL, counter_key, retries=2, retry_intervals=(0,))
    assert queued.state is JobState.QUEUED
    env = onecard_env(redis_url=REDIS_URL, queue_name=queue_name, data_dir=str(tmp_path))
    worker = run_onecard("worker", "--burst", env=env)
    assert worker.returncode == 0, worker.stderr
    assert f"OneCard worker on queue '{queue_name}'" in worker.stderr
    job = Job.fetch(queued.id, connection=jobs.queue.connection)
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == "succeeded on attempt 2"
    assert int(Redis.from_url(REDIS_URL).get(counter_key)) == 2
    done = jobs.status(queued.id)
    assert done.state is JobState.FINISHED and done.attempts == 2 and done.result == "succeeded on attempt 2"


@pytest.mark.redis
def test_an_rq_jobs_progress_and_result_are_read_by_id_through_the_api(queue_name, settings_values, clock,
                                                                         tmp_path):
    settings = Settings.from_values({**settings_values, "redis_url": REDIS_URL, "queue_name": queue_name})
    services = Services.build(settings, clock=clock)
    from server.app import create_app

    client = create_app(services=services).test_client()
    make_staff(services, "hq1", "hq")
    headers = login(client, "hq1")
    job_id = services.jobs.enqueue(count_in_steps, 4).id
    assert client.get(f"/api/v1/jobs/{job_id}", headers=headers).json["state"] == "queued"
    env = onecard_env(redis_url=REDIS_URL, queue_name=queue_name, data_dir=str(tmp_path),
                      database_url=settings_values["database_url"])
    assert run_onecard("worker", "--burst", env=env).returncode == 0
    body = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json
    assert body["state"] == "finished" and body["result"] == "counted to 4" and body["attempts"] == 1
    assert body["progress"] == {"done": 4, "total": 4, "note": "step 4"}
    services.db.dispose()
