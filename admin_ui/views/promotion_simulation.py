"""Marketing: had this promotion been live over the last N weeks (a replay of past sales, server.pricing.simulation)."""

from __future__ import annotations

import uuid
from contextlib import nullcontext

from flask import abort, redirect, render_template, request, url_for

from admin_ui.access import staff_page
from admin_ui.blueprint import bp
from server.api.context import db_session, services
from server.auth.roles import Role
from server.jobs import JobNotFound, JobState
from server.pricing.simulation import MAX_WEEKS, SimulationResult, simulation_job, start_simulation, version_results
from server.pricing.versions import get_promotion, get_version

MARKETING = Role.MARKETING
JOB_NAME = f"{simulation_job.__module__}.{simulation_job.__qualname__}"


@bp.route("/promotions/<uuid:promotion_id>/simulation", methods=["GET", "POST"])
@staff_page(MARKETING)
def promotion_simulation(promotion_id: uuid.UUID):
    session, svc = db_session(), services()
    record = get_promotion(session, promotion_id)
    version = get_version(session, promotion_id, record.current_version)
    weeks, error, result = _weeks(request.values.get("weeks", "4")), None, None
    if weeks is None:
        error, weeks = f"Weeks: choose a whole number from 1 to {MAX_WEEKS}.", 4
    elif request.method == "POST":
        outcome = start_simulation(session, lambda: nullcontext(session), svc.jobs, record.id, version.version,
                                   weeks, svc.clock(), svc.program)
        if not isinstance(outcome, SimulationResult):
            return redirect(url_for("admin.simulation_job", promotion_id=promotion_id, job_id=outcome.id))
        result = outcome
    else:  # the latest result kept for this version, never one of an earlier version
        kept = version_results(session, record.id, version.version)
        result = SimulationResult.from_dict(kept[0].result) if kept else None
    return _page(record, version.definition, weeks, result=result, error=error), 422 if error else 200


@bp.route("/promotions/<uuid:promotion_id>/simulation/<string:job_id>")
@staff_page(MARKETING)
def simulation_job(promotion_id: uuid.UUID, job_id: str):
    session, svc = db_session(), services()
    record = get_promotion(session, promotion_id)
    try:
        job = svc.jobs.status(job_id[:64], session)
    except JobNotFound:
        abort(404, description="No such simulation: it may have been cleared. Start it again.")
    result = SimulationResult.from_dict(job.result) if job.state is JobState.FINISHED else None
    if job.name != JOB_NAME or (result is not None and result.promotion_id != str(promotion_id)):
        abort(404, description="That job is not a simulation of this promotion.")
    definition = get_version(session, promotion_id, result.version if result else record.current_version).definition
    return _page(record, definition, result.weeks if result else 4, result=result, job=job)


def _weeks(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_WEEKS else None


def _page(record, definition: dict, weeks: int, **shown):
    return render_template("admin/promotion_simulation.html", record=record, definition=definition, weeks=weeks,
                           max_weeks=MAX_WEEKS, job=shown.get("job"), result=shown.get("result"),
                           error=shown.get("error"))
