"""/users/{username}/disable: stop a staff user signing in or using a token they hold (admin)."""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import BEARER, current_staff, db_session, services, staff_required
from server.audit import Actor
from server.schemas.auth import StaffDisableSchema, StaffUserSchema
from server.staff import disable_staff_user

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
