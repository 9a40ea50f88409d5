"""The member page's own session: a signed cookie, its CSRF token, and who is signed in.

The cookie (``onecard_member``, path ``/me``, HttpOnly, SameSite=Lax, Secure over TLS) is signed
with the server's secret key and holds a CSRF token, the sign-in challenge while a code is on its
way, and after sign-in the member's id. It is separate from the back office's session: a staff
sign-in never signs a member in, nor the other way round. A signed-in session lasts
``SIGNED_IN_FOR`` from sign-in; the member row is read on every request, so an erased or merged
member is signed out at once.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta

from flask import abort, current_app, g, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from server.api.context import db_session
from server.models import Member

COOKIE_NAME = "onecard_member"
COOKIE_PATH = "/me"
CSRF_FIELD = "csrf_token"
SIGNED_IN_FOR = timedelta(days=30)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="onecard-member-page")


def session() -> dict:
    """This request's member session (read from the cookie once; written back if changed)."""
    if "member_session" not in g:
        data: dict = {}
        raw = request.cookies.get(COOKIE_NAME)
        if raw:
            try:
                data = _serializer().loads(raw, max_age=int(SIGNED_IN_FOR.total_seconds()))
            except BadSignature:
                data = {}
        g.member_session, g.member_session_changed = data, False
    return g.member_session


def changed() -> None:
    g.member_session_changed = True


def start_over(**values) -> None:
    """Replace the session (nothing from before carries over), with a new CSRF token."""
    g.member_session = {CSRF_FIELD: secrets.token_urlsafe(32), **values}
    changed()


def csrf_token() -> str:
    data = session()
    if CSRF_FIELD not in data:
        data[CSRF_FIELD] = secrets.token_urlsafe(32)
        changed()
    return data[CSRF_FIELD]


def check_csrf() -> None:
    """Refuse (400) a POST whose form lacks the session's token: it did not come from our pages."""
    if request.method != "POST" or one_click_unsubscribe():
        return
    sent, expected = request.form.get(CSRF_FIELD, ""), session().get(CSRF_FIELD, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="This form was not sent from a OneCard page you have open, or it has "
                               "expired. Go back, reload the page and try again.")


def one_click_unsubscribe() -> bool:
    """An RFC 8058 one-click unsubscribe: a mail client's POST to a notice's link, with no cookie.

    It carries no CSRF token and needs none: the signed token in the link is its whole authority,
    which a page elsewhere could not forge, and a POST changes only what that link names."""
    return (request.endpoint == "member.unsubscribe_link"
            and request.form.get("List-Unsubscribe") == "One-Click")


def write_cookie(response):
    """After each request: store the session if it changed (the cookie is the only copy)."""
    if g.get("member_session_changed"):
        data = g.member_session
        response.set_cookie(COOKIE_NAME, _serializer().dumps(data), path=COOKIE_PATH, httponly=True,
                            samesite="Lax", secure=request.is_secure,
                            max_age=int(SIGNED_IN_FOR.total_seconds()) if "member" in data else None)
    return response


def notice(kind: str, text: str) -> None:
    """A message for the next page shown (kind: success, error or info)."""
    session()["notice"] = [kind, text]
    changed()


def take_notice() -> tuple[str, str] | None:
    found = session().pop("notice", None)
    if found:
        changed()
    return tuple(found) if found else None


def signed_in_member() -> Member | None:
    member_id = session().get("member")
    if not member_id:
        return None
    member = db_session().get(Member, uuid.UUID(member_id))
    if member is None or member.erased_at is not None or member.merged_into is not None:
        start_over()
        return None
    return member


def member_page(view: Callable) -> Callable:
    """Require a signed-in member; their row is in ``g.member``."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        member = signed_in_member()
        if member is None:
            return redirect(url_for("member.sign_in"))
        g.member = member
        return view(*args, **kwargs)
    return wrapper
