"""The scheduled-work loop, in-process: every listed job runs and reports through the jobs facade."""

from server.jobs import scheduler
from server.jobs.schedule import SCHEDULE


def test_one_pass_of_the_in_process_scheduler_runs_every_scheduled_job(app, services, monkeypatch):
    ran: list[str] = []
    real_enqueue = services.jobs.enqueue

    def recording(func, *args, **kwargs):
        ran.append(func.__name__)
        outcome = real_enqueue(func, *args, **kwargs)
        assert outcome.status == "finished", func.__name__
        return outcome

    monkeypatch.setattr(services.jobs, "enqueue", recording)
    scheduler.run_scheduler(services, once=True)
    assert ran == [job.func.__name__ for job in SCHEDULE]
