"""Who is signed in: the session cookie, its idle timeout, CSRF tokens and role checks.

The session is Flask's signed cookie (the server's secret key signs it). It holds the staff user's
id, a CSRF token and the time of the last request; the user row is read again on every request, so
a disabled user or a changed role takes effect at once.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from server.api.context import close_db_session, db_session, services
from server.audit import Actor, write_audit
from server.auth.roles import Role, role_allows
from server.models import StaffUser

COOKIE_NAME = "onecard_admin"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class SignedIn:
    """Who the page is for: plain values, readable after the request's database session is gone."""

    username: str
    role: str


class AdminSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, marked Secure whenever the request came over TLS."""

    def get_cookie_secure(self, app) -> bool:
        return request.is_secure or super().get_cookie_secure(app)


def csrf_token() -> str:
    """The session's CSRF token, made on first use; every form carries it in ``csrf_token``."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf() -> None:
    """Refuse (400) a POST whose form lacks the session's token: it did not come from our pages."""
    if request.method != "POST":
        return
    sent, expected = request.form.get(CSRF_FIELD, ""), session.get(CSRF_FIELD, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="This form was not sent from a OneCard page you have open, or it has "
                               "expired. Go back, reload the page and try again.")


def sign_in(user: StaffUser) -> None:
    """Start a fresh session for ``user`` (nothing from before sign-in carries over)."""
    session.clear()
    session["uid"] = str(user.id)
    session["seen"] = services().clock().timestamp()
    session.permanent = False
    csrf_token()


def sign_out() -> None:
    session.clear()


def signed_in_user() -> StaffUser | None:
    """The active staff user of this session, or None (never signed in, idle too long, disabled)."""
    uid = session.get("uid")
    if not uid:
        return None
    now = services().clock().timestamp()
    idle_limit = services().settings.admin_idle_timeout_seconds
    if now - float(session.get("seen", 0)) > idle_limit:
        session.clear()
        flash(f"You were signed out after {idle_limit // 60} minutes without activity.", "info")
        return None
    user = db_session().get(StaffUser, uuid.UUID(uid))
    if user is None or not user.active:
        session.clear()
        return None
    session["seen"] = now
    return user


def staff_page(*roles: Role) -> Callable:
    """Require a signed-in staff user holding one of ``roles`` (``admin`` passes every check).

    The same rule as the API's ``staff_required``; with no roles given, only ``admin`` may enter.
    A refusal is a 403 page and an audit record.
    """
    allowed = set(roles)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = signed_in_user()
            if user is None:
                return redirect(url_for("admin.sign_in", next=request.full_path))
            g.staff = user  # server.api.context.acting() reads it, so services audit this user
            g.signed_in = SignedIn(user.username, user.role)
            if not role_allows(user.role, allowed):
                _audit_refusal(g.signed_in.username)
                abort(403, description=f"Your role ({g.signed_in.role}) may not open this page.")
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(allowed | {Role.ADMIN})
        return wrapper
    return decorator


def may_open(endpoint: str) -> bool:
    """Whether the signed-in user's role passes ``endpoint``'s check (for navigation and links)."""
    from flask import current_app

    view = current_app.view_functions.get(endpoint)
    signed_in = g.get("signed_in")
    return bool(signed_in and view is not None and signed_in.role in getattr(view, "allowed_roles", ()))


def _audit_refusal(username: str) -> None:
    # In its own transaction: the request's is rolled back at the end of a refused request, and is
    # given up first because on SQLite it may hold the write lock.
    svc = services()
    close_db_session()
    with svc.db.session() as own:
        write_audit(own, at=svc.clock(), actor=Actor.staff(username), action="admin.refused",
                    target=f"{request.method} {request.path}", request_id=g.get("request_id"),
                    remote_addr=request.remote_addr)
        own.commit()
