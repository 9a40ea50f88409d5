"""Sign-in, sign-out and the home page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, url_for

from admin_ui.access import sign_in as start_session
from admin_ui.access import sign_out as end_session
from admin_ui.access import signed_in_user, staff_page
from admin_ui.blueprint import bp
from admin_ui.navigation import navigation
from server.api.context import db_session, services
from server.audit import Actor, write_audit
from server.auth.roles import Role
from server.auth.throttle import LoginThrottle
from server.exceptions import InvalidCredentials, TooManyAttempts
from server.staff import authenticate


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if request.method == "GET":
        if signed_in_user() is not None:
            return redirect(url_for("admin.home"))
        return render_template("admin/sign_in.html", username="", next=_safe_next(request.args.get("next")))
    svc, session, now = services(), db_session(), services().clock()
    username, next_url = request.form.get("username", ""), _safe_next(request.form.get("next"))
    try:
        # The API's login check, throttle included: failures count against the same limit.
        throttle = LoginThrottle.from_settings(svc.settings.login_max_failures, svc.settings.login_lockout_seconds)
        user = authenticate(session, username, request.form.get("password", ""), now, throttle,
                            remote_addr=request.remote_addr)
    except InvalidCredentials:
        session.commit()  # keep the failure count and its audit record
        return render_template("admin/sign_in.html", username=username, next=next_url,
                               error="Wrong username or password."), 401
    except TooManyAttempts as exc:
        minutes = max(1, exc.retry_after // 60)
        return render_template("admin/sign_in.html", username=username, next=next_url,
                               error=f"Too many failed sign-ins for this user. Try again in {minutes} "
                                     "minutes."), 429
    write_audit(session, at=now, actor=Actor.staff(user.username), action="admin.signed_in",
                request_id=g.get("request_id"), remote_addr=request.remote_addr)
    session.commit()
    start_session(user)
    return redirect(next_url or url_for("admin.home"))


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    user = signed_in_user()
    if user is not None:
        session, svc = db_session(), services()
        write_audit(session, at=svc.clock(), actor=Actor.staff(user.username), action="admin.signed_out",
                    request_id=g.get("request_id"), remote_addr=request.remote_addr)
        session.commit()
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.sign_in"))


@bp.route("/")
@staff_page(*Role)
def home():
    return render_template("admin/home.html", sections=navigation())


def _safe_next(target: str | None) -> str | None:
    """Only a path inside the back office: never send a user on to another site after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin/") or target.startswith("//"):
        return None
    return target
