"""Background jobs: in-process without Redis; through a real Redis and a real rq worker with it."""

import uuid
from datetime import timedelta

import pytest
from redis import Redis
from rq.job import Job, JobStatus

from server.jobs import Jobs
from server.jobs.tasks import purge_seen_nonces
from server.models import TerminalNonce
from tests.support.jobs import Counter, always_fails, fail_first_time
from tests.support.processes import onecard_env, run_onecard

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_in_process_jobs_run_at_once_and_are_retried_after_a_failure():
    counter = Counter()
    outcome = Jobs(None).enqueue(counter.fail_once, retries=2)
    assert outcome.status == "finished" and outcome.result == "ok" and outcome.attempts == 2


def test_an_in_process_job_that_keeps_failing_is_reported_failed(caplog):
    outcome = Jobs(None).enqueue(always_fails, retries=2)
    assert outcome.status == "failed" and outcome.attempts == 3
    assert sum("always_fails failed" in r.getMessage() for r in caplog.records) == 3


def test_the_nonce_purge_job_forgets_only_nonces_past_twice_the_window(app, services, clock):
    with services.db.session() as session:
        session.add_all([
            TerminalNonce(key_id="k", nonce="old" * 6, seen_at=clock() - timedelta(seconds=601)),
            TerminalNonce(key_id="k", nonce="new" * 6, seen_at=clock() - timedelta(seconds=599)),
        ])
        session.commit()
    assert services.jobs.enqueue(purge_seen_nonces).result == 1
    with services.db.session() as session:
        assert [n.nonce for n in session.query(TerminalNonce)] == ["new" * 6]


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
    outcome = jobs.enqueue(fail_first_time, REDIS_URL, counter_key, retries=2, retry_intervals=(0,))
    assert outcome.status == "queued"
    env = onecard_env(redis_url=REDIS_URL, queue_name=queue_name, data_dir=str(tmp_path))
    worker = run_onecard("worker", "--burst", env=env)
    assert worker.returncode == 0, worker.stderr
    assert f"OneCard worker on queue '{queue_name}'" in worker.stderr
    job = Job.fetch(outcome.job_id, connection=jobs.queue.connection)
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == "succeeded on attempt 2"
    assert int(Redis.from_url(REDIS_URL).get(counter_key)) == 2
