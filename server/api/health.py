"""GET /health: liveness and readiness of the database and the job queue."""

from __future__ import annotations

import logging

from server import __version__
from server.api.blueprint import Blueprint
from server.api.context import services
from server.schemas.health import HealthSchema

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Liveness and readiness")


def _check(probe, label: str, ok_detail: str) -> dict:
    try:
        probe()
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        log.warning("health: %s not ready: %s", label, exc)
        return {"ok": False, "detail": f"{label} unreachable: {type(exc).__name__}"}
    return {"ok": True, "detail": ok_detail}


@blp.route("")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="a component is not ready")
def health():
    svc = services()
    database = _check(svc.db.ping, "database", svc.db.engine.dialect.name)
    queue = _check(svc.jobs.ping, "queue", svc.jobs.mode)
    ready = database["ok"] and queue["ok"]
    body = {"status": "ok" if ready else "degraded", "version": __version__,
            "database": database, "queue": queue}
    return body, 200 if ready else 503
