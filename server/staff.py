"""Staff users: creation, disabling, and login with throttling of repeated failures."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import Actor, write_audit
from server.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from server.auth.roles import Role
from server.auth.throttle import LoginThrottle
from server.exceptions import Conflict, InvalidCredentials, NotFound, OneCardError
from server.models import StaffUser
from server.staff_pins import publish

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class InvalidStaffUser(OneCardError):
    status = 422
    slug = "invalid-staff-user"
    title = "Invalid staff user"


def create_staff_user(session: Session, username: str, password: str, role: str,
                      now: datetime, actor: Actor) -> StaffUser:
    """Create a staff user; the caller commits."""
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidStaffUser("username: use 2-64 lower-case letters, digits, '.', '_' or '-'")
    if role not in {r.value for r in Role}:
        raise InvalidStaffUser(f"role: must be one of {', '.join(r.value for r in Role)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidStaffUser(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise Conflict(f"a staff user named {username!r} already exists")
    user = StaffUser(username=username, password_hash=hash_password(password), role=role,
                     created_at=now)
    session.add(user)
    write_audit(session, at=now, actor=actor, action="staff.created", target=username,
                details={"role": role})
    return user


def disable_staff_user(session: Session, username: str, now: datetime, actor: Actor,
                       reason: str | None = None) -> StaffUser:
    """Stop a staff user signing in or using a token they hold; the caller commits.

    Every staff request reads the user again, so a token issued before is refused on its next use.
    A staff user may not disable themselves (the last admin would lock everyone out); the server's
    own command line (``onecard users disable``, acting as the system) may.
    """
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"no staff user named {username!r}")
    if actor == Actor.staff(user.username):
        raise Conflict("An admin cannot disable their own account here; ask another admin, "
                       "or use `onecard users disable` on the server.")
    if not user.active:
        raise Conflict(f"staff user {user.username!r} is already disabled")
    user.active = False
    publish(session, user, now)  # a till stops taking the user's PIN at its next sync
    write_audit(session, at=now, actor=actor, action="staff.disabled", target=user.username,
                reason=reason, details={"role": user.role})
    return user


def authenticate(session: Session, username: str, password: str, now: datetime,
                 throttle: LoginThrottle, remote_addr: str | None = None) -> StaffUser:
    """Return the user if the password is right and ``throttle`` allows the attempt.

    The user's row is locked for the attempt (PostgreSQL), so parallel guesses are counted one
    after another and cannot slip past the limit together. The caller commits in both outcomes
    (a failure is recorded before raising).
    """
    username = username.strip().lower()
    user = session.scalar(select(StaffUser).where(StaffUser.username == username).with_for_update())
    throttle.check(session, username, remote_addr, now)
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        throttle.failed(session, username, remote_addr, now)
        write_audit(session, at=now, actor=Actor.anonymous(remote_addr or "unknown"),
                    action="staff.login_failed", target=username, remote_addr=remote_addr)
        raise InvalidCredentials("wrong username or password")
    throttle.succeeded(session, username, remote_addr)
    if needs_rehash(user.password_hash):  # hashing parameters were raised since: upgrade quietly
        user.password_hash = hash_password(password)
    return user
