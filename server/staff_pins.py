"""Till PINs of staff users: set or cleared by an admin, audited, published to every till through the feed.

A staff user with a PIN is published as a ``staff`` entity (id, name, role, PIN hash: never the PIN)
for every store; a new PIN publishes it again, and disabling the user or clearing the PIN deletes the
entity, so tills refuse the PIN after their next sync.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import Actor, write_audit
from server.auth.roles import Role
from server.exceptions import NotFound, OneCardError
from server.models import StaffUser
from server.sync.recorder import record_change
from store_sync.entities import Entity
from store_sync.feed import Op
from store_sync.pins import hash_pin, pin_problem

TILL_ROLES = frozenset({Role.CASHIER, Role.MANAGER, Role.ADMIN})  # who may sign in at a till


class InvalidPin(OneCardError):
    status = 422
    slug = "invalid-pin"
    title = "Invalid PIN"


def set_pin(session: Session, username: str, pin: str, now: datetime, actor: Actor) -> StaffUser:
    """Give a staff user a new till PIN; the caller commits (audit and feed change go with it)."""
    user = _user(session, username)
    if user.role not in TILL_ROLES:
        raise InvalidPin(f"a {user.role} user does not sign in at tills; give PINs to cashiers, managers "
                         "and admins")
    if not user.active:
        raise InvalidPin(f"staff user {user.username!r} is disabled")
    if problem := pin_problem(pin):
        raise InvalidPin(problem)
    user.pin_hash = hash_pin(pin)
    write_audit(session, at=now, actor=actor, action="staff.pin_set", target=user.username,
                details={"role": user.role})
    publish(session, user, now)
    return user


def clear_pin(session: Session, username: str, now: datetime, actor: Actor) -> StaffUser:
    """Take a staff user's till PIN away: every till refuses it after its next sync. The caller commits.

    Clearing a user who has no PIN changes nothing and writes nothing.
    """
    user = _user(session, username)
    if user.pin_hash is None:
        return user
    user.pin_hash = None
    write_audit(session, at=now, actor=actor, action="staff.pin_cleared", target=user.username,
                details={"role": user.role})
    record_change(session, entity_type=Entity.STAFF, entity_id=str(user.id), op=Op.DELETE, payload=None, now=now)
    return user


def _user(session: Session, username: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"no staff user named {username!r}")
    return user


def publish(session: Session, user: StaffUser, now: datetime) -> None:
    """Tell every till about the user as they now are: able to sign in, or no longer."""
    if user.pin_hash is None:
        return
    if not user.active:
        record_change(session, entity_type=Entity.STAFF, entity_id=str(user.id), op=Op.DELETE, payload=None,
                      now=now)
        return
    record_change(session, entity_type=Entity.STAFF, entity_id=str(user.id), op=Op.UPSERT, now=now,
                  payload={"id": str(user.id), "name": user.username, "role": user.role,
                           "pin_hash": user.pin_hash})
