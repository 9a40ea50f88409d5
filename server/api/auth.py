"""POST /auth/token: staff login, throttled, answered with a bearer token."""

from __future__ import annotations

from flask import request

from server.api.blueprint import Blueprint
from server.api.context import db_session, services
from server.auth.throttle import LoginThrottle
from server.exceptions import InvalidCredentials, TooManyAttempts
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
        user = authenticate(session, body["username"], body["password"], now, _throttle(svc.settings),
                            remote_addr=request.remote_addr)
    except InvalidCredentials:
        session.commit()  # keep the failure count and its audit record
        raise
    except TooManyAttempts:
        session.rollback()  # nothing to keep; releases the user's row at once
        raise
    session.commit()
    token, expires_at = svc.tokens.issue(str(user.id), user.role, now)
    return {"access_token": token, "token_type": "Bearer", "expires_at": expires_at,
            "role": user.role, "username": user.username}


def _throttle(settings) -> LoginThrottle:
    return LoginThrottle.from_settings(settings.login_max_failures, settings.login_lockout_seconds)
