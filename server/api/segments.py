"""/segments: member segments for targeting, by rule or uploaded list, with their size (marketing)."""

from __future__ import annotations

from sqlalchemy import select

from server.api.blueprint import Blueprint
from server.api.context import BEARER, db_session, services, staff_required
from server.api.promotions import id_cursor
from server.auth.roles import Role
from server.models import Segment
from server.pricing.segments import create_segment, get_segment, refresh_segment
from server.schemas.segments import SegmentCreateSchema, SegmentPageSchema, SegmentQuerySchema, SegmentSchema

blp = Blueprint("segments", __name__, url_prefix="/api/v1/segments", description="Member segments")


@blp.route("")
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(SegmentQuerySchema, location="query")
@blp.response(200, SegmentPageSchema)
def find_segments(query):
    stmt = select(Segment).order_by(Segment.id).limit(query["limit"] + 1)
    if query["cursor"]:
        stmt = stmt.where(Segment.id > id_cursor(query["cursor"]))
    rows = db_session().scalars(stmt).all()
    items, more = rows[: query["limit"]], len(rows) > query["limit"]
    return {"items": items, "next_cursor": str(items[-1].id) if more else None}


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(SegmentCreateSchema)
@blp.response(201, SegmentSchema)
@blp.problems(404, 409, 422)
def add_segment(body):
    session = db_session()
    segment = create_segment(session, body["name"], body["rule"], body["member_ids"], services().program,
                             services().clock())
    session.commit()
    return segment


@blp.route("/<uuid:segment_id>")
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.response(200, SegmentSchema)
def read_segment(segment_id):
    return get_segment(db_session(), segment_id)


@blp.route("/<uuid:segment_id>/refresh", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.response(200, SegmentSchema)
def refresh(segment_id):
    session = db_session()
    segment = get_segment(session, segment_id)
    refresh_segment(session, segment, services().program, services().clock())
    session.commit()
    return segment
