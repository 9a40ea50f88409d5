"""/users/{username}/disable and /users/{username}/pin: stop a staff user, set or clear their till PIN (admin)."""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import BEARER, current_staff, db_session, services, staff_required
from server.audit import Actor
from server.schemas.auth import StaffDisableSchema, StaffPinSchema, StaffUserSchema
from server.staff import disable_staff_user
from server.staff_pins import clear_pin, set_pin

blp = Blueprint("staff", __name__, url_prefix="/api/v1/users", description="Staff users")


@blp.route("/<username>/disable", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(StaffDisableSchema)
@blp.response(200, StaffUserSchema)
@blp.problems(404, 409)
def disable(body, username: str):
    """Refuse the user's next request (and every login) from now on; audited with the reason."""
    me = current_staff()
    session = db_session()
    user = disable_staff_user(session, username, services().clock(), Actor.staff(me.username),
                              body["reason"])
    session.commit()
    return user


@blp.route("/<username>/pin", methods=["PUT"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(StaffPinSchema)
@blp.response(200, StaffUserSchema)
@blp.problems(422)
def put_pin(body, username: str):
    """Set a cashier's, manager's or admin's till PIN; audited, and sent to every till as a hash."""
    session = db_session()
    user = set_pin(session, username, body["pin"], services().clock(), Actor.staff(current_staff().username))
    session.commit()
    return user


@blp.route("/<username>/pin", methods=["DELETE"])
@blp.doc(security=BEARER)
@staff_required()
@blp.response(200, StaffUserSchema)
@blp.problems(404)
def delete_pin(username: str):
    """Clear a staff user's till PIN: every till refuses it after its next sync; audited when there was one."""
    session = db_session()
    user = clear_pin(session, username, services().clock(), Actor.staff(current_staff().username))
    session.commit()
    return user
