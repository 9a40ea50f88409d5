"""The scheduled-work loop, in-process: every listed job runs on the worker thread and finishes."""

from server.jobs import JobState, scheduler
from server.jobs.schedule import SCHEDULE


def test_one_pass_of_the_in_process_scheduler_runs_every_scheduled_job(app, services):
    views = scheduler.run_scheduler(services, once=True)
    assert [view.name.rsplit(".", 1)[-1] for view in views] == [job.func.__name__ for job in SCHEDULE]
    assert all(view.state is JobState.FINISHED for view in views), [(v.name, v.error) for v in views]
