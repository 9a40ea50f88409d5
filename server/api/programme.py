"""/programme: the loyalty programme's versions (any staff role reads; admin or marketing adds one)."""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import BEARER, acting, db_session, services, staff_required
from server.auth.roles import Role
from server.membership.programme_versions import add_version, get_version, version_rows
from server.schemas.programme import ProgrammeSchema, ProgrammeVersionCreateSchema, ProgrammeVersionSchema

blp = Blueprint("programme", __name__, url_prefix="/api/v1/programme",
                description="The loyalty programme: earning, redemption, tiers, expiry and offline limits, "
                            "each change a new version with an effective time")
EVERY_ROLE = tuple(Role)


@blp.route("")
@blp.doc(security=BEARER)
@staff_required(*EVERY_ROLE)
@blp.response(200, ProgrammeSchema)
def show_programme():
    svc = services()
    current = svc.programmes.at(svc.clock()).version.number  # first: seeds version 1 into an empty table
    rows = version_rows(db_session())
    return {"current": next(row for row in rows if row.number == current), "versions": rows}


@blp.route("/versions/<int:number>")
@blp.doc(security=BEARER)
@staff_required(*EVERY_ROLE)
@blp.response(200, ProgrammeVersionSchema)
@blp.problems(404)
def show_version(number: int):
    return get_version(db_session(), number)


@blp.route("/versions", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(ProgrammeVersionCreateSchema)
@blp.response(201, ProgrammeVersionSchema)
@blp.problems(409, 422)
def create_version(body):
    session, svc = db_session(), services()
    now = svc.clock()
    row = add_version(session, body["programme"], body["effective_from"] or now, acting(), now, svc.settings)
    session.commit()
    svc.programmes.forget()
    return row
