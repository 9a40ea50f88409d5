"""GET /till-events: sign-ins, approvals, no-sales and X/Z shift reports the tills sent (hq, admin)."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from sqlalchemy import and_, or_

from server.api.blueprint import Blueprint
from server.api.context import BEARER, db_session, staff_required
from server.api.pagination import InvalidCursor
from server.auth.roles import Role
from server.models import TillEvent
from server.schemas.till_events import TillEventPageSchema, TillEventQuerySchema
from server.till_events import events_query

blp = Blueprint("till_events", __name__, url_prefix="/api/v1/till-events", description="Events at the tills")


@blp.route("")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(TillEventQuerySchema, location="query")
@blp.response(200, TillEventPageSchema)
def list_events(query):
    """Newest first; filter by store, terminal, kind (e.g. z_report) and cashier."""
    stmt = events_query(query["store"], query["terminal"], query["kind"], query["cashier_id"])
    if query["cursor"]:
        at, event_id = _decode(query["cursor"])
        stmt = stmt.where(or_(TillEvent.at < at, and_(TillEvent.at == at, TillEvent.id < event_id)))
    rows = db_session().scalars(stmt.limit(query["limit"] + 1)).all()
    items, more = rows[: query["limit"]], len(rows) > query["limit"]
    return {"items": items, "next_cursor": _encode(items[-1].at, items[-1].id) if more else None}


def _encode(at: datetime, event_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), event_id]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        at, event_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(at), str(event_id)
    except (ValueError, TypeError) as exc:
        raise InvalidCursor("the cursor is not one this server issued") from exc
