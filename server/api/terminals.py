"""POST /terminals/heartbeat: a signed terminal says it is alive (feeds sync-health reports)."""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import (
    TERMINAL_SIGNED,
    current_terminal,
    db_session,
    ensure_terminal_scope,
    services,
    terminal_required,
)
from server.models import Terminal
from server.schemas.stores import HeartbeatResponseSchema, HeartbeatSchema

blp = Blueprint("terminals", __name__, url_prefix="/api/v1/terminals",
                description="Calls made by store terminals (signed requests)")


@blp.route("/heartbeat", methods=["POST"])
@blp.doc(security=TERMINAL_SIGNED)
@terminal_required
@blp.arguments(HeartbeatSchema)
@blp.response(200, HeartbeatResponseSchema)
def heartbeat(body):
    ensure_terminal_scope(body["store"], body["terminal"])
    session, now = db_session(), services().clock()
    terminal = session.get(Terminal, current_terminal().id)
    terminal.last_seen_at = now
    terminal.agent_version = body["agent_version"]
    session.commit()
    return {"store": body["store"], "terminal": terminal.code, "server_time": now}
