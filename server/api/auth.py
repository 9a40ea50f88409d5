"""POST /auth/token: staff login, throttled, answered with a bearer token."""

from __future__ import annotations

from flask import request

from server.api.blueprint import Blueprint
from server.api.context import db_session, services
from server.exceptions import InvalidCredentials
from server.schemas.auth import TokenRequestSchema, TokenResponseSchema
from server.staff import authenticate

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Staff login")


@blp.route("/token", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenResponseSchema)
@blp.problems(401, 429)
def issue_token(body):
    svc, session, now = services(), db_session(), services().clock()
    try:
        user = authenticate(session, body["username"], body["password"], now,
                            svc.settings.login_max_failures, svc.settings.login_lockout_seconds,
                            remote_addr=request.remote_addr)
    except InvalidCredentials:
        session.commit()  # keep the failure count and its audit record
        raise
    session.commit()
    token, expires_at = svc.tokens.issue(str(user.id), user.role, now)
    return {"access_token": token, "token_type": "Bearer", "expires_at": expires_at,
            "role": user.role, "username": user.username}
