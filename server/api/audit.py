"""GET /audit: the audit log, newest first, cursor-paginated (admin)."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from server.api.blueprint import Blueprint
from server.api.context import BEARER, db_session, staff_required
from server.api.pagination import decode_cursor, encode_cursor
from server.models import AuditRecord
from server.schemas.audit import AuditPageSchema, AuditQuerySchema

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit log")


@blp.route("")
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
def list_audit(query):
    stmt = select(AuditRecord).order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
    if query["action"]:
        stmt = stmt.where(AuditRecord.action == query["action"])
    if query["cursor"]:
        at, record_id = decode_cursor(query["cursor"])
        stmt = stmt.where(or_(AuditRecord.at < at,
                              and_(AuditRecord.at == at, AuditRecord.id < record_id)))
    rows = db_session().scalars(stmt.limit(query["limit"] + 1)).all()
    items, more = rows[: query["limit"]], len(rows) > query["limit"]
    return {"items": items,
            "next_cursor": encode_cursor(items[-1].at, items[-1].id) if more else None}
