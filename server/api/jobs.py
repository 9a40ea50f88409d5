"""/jobs/{id}: a background job's state, progress and result, for the page that started it."""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import BEARER, db_session, services, staff_required
from server.auth.roles import Role
from server.exceptions import NotFound
from server.jobs import JobNotFound
from server.schemas.jobs import JobSchema

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="Background jobs")


@blp.route("/<string:job_id>")
@blp.doc(security=BEARER)
@staff_required(Role.HQ, Role.MARKETING)
@blp.response(200, JobSchema)
def job_status(job_id: str):
    """Where a job is: queued, running (with progress), finished (with its result) or failed."""
    try:
        return services().jobs.status(job_id[:64], db_session())
    except JobNotFound:
        raise NotFound(f"no job {job_id[:64]}") from None
