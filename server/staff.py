"""Staff users: creation, and login with throttling of repeated failures."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.audit import Actor, write_audit
from server.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from server.auth.roles import Role
from server.exceptions import Conflict, InvalidCredentials, OneCardError, TooManyAttempts
from server.models import LoginFailure, StaffUser

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


def authenticate(session: Session, username: str, password: str, now: datetime,
                 max_failures: int, lockout_seconds: int,
                 remote_addr: str | None = None) -> StaffUser:
    """Return the user if the password is right; count failures and lock out after too many.

    Failures are stored, not kept in memory, so every server process sees the same count.
    The caller commits in both outcomes (a failure is recorded before raising).
    """
    username = username.strip().lower()
    since = now - timedelta(seconds=lockout_seconds)
    recent = session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.username == username, LoginFailure.at > since)) or 0
    if recent >= max_failures:
        raise TooManyAttempts(f"too many failed logins for {username!r}; try again later",
                              retry_after=lockout_seconds)
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        session.add(LoginFailure(username=username, remote_addr=remote_addr, at=now))
        write_audit(session, at=now, actor=Actor.anonymous(remote_addr or "unknown"),
                    action="staff.login_failed", target=username, remote_addr=remote_addr)
        raise InvalidCredentials("wrong username or password")
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    if needs_rehash(user.password_hash):  # hashing parameters were raised since: upgrade quietly
        user.password_hash = hash_password(password)
    return user
