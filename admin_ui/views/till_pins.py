"""Till PINs: an admin sets or clears a staff user's PIN (server.staff_pins, as the API). The PIN is
never shown again, nor kept anywhere but as a hash."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin_ui.access import staff_page
from admin_ui.blueprint import bp
from server.api.context import acting, db_session, services
from server.exceptions import OneCardError
from server.models import StaffUser
from server.staff_pins import TILL_ROLES, clear_pin, set_pin
from store_sync.pins import MAX_DIGITS, MIN_DIGITS


@bp.route("/staff/<username>/pin", methods=["GET", "POST"])
@staff_page()
def staff_pin(username: str):
    user = db_session().scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        abort(404, description=f"There is no staff user named {username}.")
    if request.method == "GET":
        return _page(user, {})
    if request.form.get("action") == "clear":
        return _clear(user)
    pin, again = request.form.get("pin", ""), request.form.get("pin_again", "")
    errors = {}
    if pin != again:
        errors["pin_again"] = "Repeat the PIN: the two PINs differ; type the same digits twice."
    else:
        session = db_session()
        try:
            set_pin(session, username, pin, services().clock(), acting())
            session.commit()
        except OneCardError as exc:
            session.rollback()
            errors["pin"] = f"PIN: {exc.detail}."
        else:
            flash(f"{username} has a new till PIN; tills accept it after their next sync. It is not shown again.",
                  "success")
            return redirect(url_for("admin.staff_users"))
    return _page(user, errors), 422


def _clear(user: StaffUser):
    if request.form.get("confirm") != "clear":
        return _page(user, {"confirm": "Tick the box to confirm that this PIN is to stop working."}), 422
    session = db_session()
    clear_pin(session, user.username, services().clock(), acting())
    session.commit()
    flash(f"{user.username}'s till PIN is cleared: tills refuse it after their next sync.", "success")
    return redirect(url_for("admin.staff_users"))


def _page(user: StaffUser, errors: dict):
    return render_template("admin/staff_pin.html", user=user, errors=errors, may_have_pin=user.role in TILL_ROLES,
                           min_digits=MIN_DIGITS, max_digits=MAX_DIGITS)
