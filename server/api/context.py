"""Per-request plumbing: the services, a request-scoped session, staff and terminal identity."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable

from flask import current_app, g, request
from sqlalchemy.orm import Session

from server.audit import Actor, count_audit_burst, write_audit
from server.auth.roles import Role, role_allows
from server.auth.terminal_auth import TerminalIdentity, authenticate_terminal, path_with_query
from server.exceptions import (
    Forbidden,
    TerminalAuthError,
    TerminalForbidden,
    Unauthorized,
)
from server.models import StaffUser
from server.services import Services

BEARER = [{"bearerAuth": []}]
TERMINAL_SIGNED = [{"terminalSignature": []}]


def services() -> Services:
    return current_app.extensions["onecard"]


def db_session() -> Session:
    """The request's session; rolled back at the end of the request unless a handler committed."""
    if "db_session" not in g:
        g.db_session = services().db.sessions()
    return g.db_session


def read_only_session() -> Session:
    """A session for a handler that only reads (a card look-up, a quote): on PostgreSQL each
    statement commits on its own, sparing the BEGIN and ROLLBACK round trips (``Database.read_only``).

    On SQLite it is the request's own session: a second one would wait for the write lock that
    the first takes when it begins (a staff user's request has begun one to check the token).
    """
    if services().db.read_only is services().db.sessions:
        return db_session()
    if "read_only_session" not in g:
        g.read_only_session = services().db.read_only()
    return g.read_only_session


def reports_session() -> Session:
    """The request's session on the reports' database (the read replica when configured): read only.

    Without a replica it is the request's own session: a second one would wait for the first's
    write lock on SQLite (every SQLite transaction takes it when it begins).
    """
    if services().reports_db is services().db:
        return db_session()
    if "reports_session" not in g:
        g.reports_session = services().reports_db.sessions()
    return g.reports_session


def close_db_session(_exc: BaseException | None = None) -> None:
    for key in ("db_session", "reports_session", "read_only_session"):
        session = g.pop(key, None)
        if session is not None:
            session.rollback()
            session.close()


def current_staff() -> StaffUser:
    return g.staff


def staff_required(*roles: Role) -> Callable:
    """Require a valid bearer token whose user is active and holds one of ``roles``.

    ``admin`` passes every check; with no roles given, only ``admin`` may call the view.
    """
    allowed = set(roles)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            g.staff = _staff_from_token()
            if not role_allows(g.staff.role, allowed):
                raise Forbidden(f"role {g.staff.role!r} may not do this; needs one of "
                                f"{', '.join(sorted(allowed | {Role.ADMIN}))}")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def _staff_from_token() -> StaffUser:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send 'Authorization: Bearer <token>' from POST /api/v1/auth/token")
    claims = services().tokens.read(token.strip())
    user = db_session().get(StaffUser, _uuid(claims.user_id))
    if user is None or not user.active:
        raise Unauthorized("this staff user no longer exists or is disabled")
    return user


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise Unauthorized("the bearer token is not valid") from None


def terminal_required(view: Callable) -> Callable:
    """Require a signed terminal request (see store_sync.signing); audit every rejection.

    A rejection that names a registered terminal's key is one audit record each; requests that
    name no key of ours are counted per remote address, reason and minute, so a flood of junk
    writes a handful of rows.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        svc = services()
        try:
            g.terminal = authenticate_terminal(
                svc.terminals, svc.nonces, request.headers, request.method,
                path_with_query(request.environ), request.get_data(cache=True), svc.clock(),
                svc.settings.signature_window_seconds)
        except TerminalAuthError as exc:
            if exc.key_id is None:
                count_unauthenticated_rejection(exc.reason, exc.detail)
            else:
                audit_terminal_rejection(exc.key_id, exc.reason, exc.detail)
            raise
        return view(*args, **kwargs)
    return wrapper


def staff_or_terminal(*roles: Role) -> Callable:
    """Accept a signed terminal request or a staff token with one of ``roles``."""

    def decorator(view: Callable) -> Callable:
        by_staff, by_terminal = staff_required(*roles)(view), terminal_required(view)

        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if request.headers.get("X-OneCard-Signature"):
                return by_terminal(*args, **kwargs)
            return by_staff(*args, **kwargs)
        return wrapper
    return decorator


def acting() -> Actor:
    """The actor for audit records: the staff user, else the terminal."""
    if "staff" in g:
        return Actor.staff(g.staff.username)
    return Actor.terminal(g.terminal.key_id)


def current_terminal() -> TerminalIdentity:
    return g.terminal


def ensure_terminal_scope(store_code: str, terminal_code: str | None = None) -> None:
    """Refuse a terminal acting for another store (or as another terminal) with 403 and an audit."""
    terminal = current_terminal()
    own_store = terminal.store_code
    if store_code != own_store:
        reason, detail = "wrong-store", f"this terminal belongs to store {own_store!r}, not {store_code!r}"
    elif terminal_code is not None and terminal_code != terminal.code:
        reason, detail = "wrong-terminal", f"this credential is terminal {terminal.code!r}"
    else:
        return
    audit_terminal_rejection(terminal.key_id, reason, detail)
    raise TerminalForbidden(reason, detail)


def audit_terminal_rejection(key_id: str | None, reason: str, detail: str) -> None:
    """Record a rejected terminal request in its own transaction (the request's will roll back)."""
    close_db_session()  # give up the request's transaction first: on SQLite it may hold the write lock
    svc = services()
    actor = Actor.terminal(key_id) if key_id else Actor.anonymous(request.remote_addr or "unknown")
    with svc.db.session() as session:
        write_audit(session, at=svc.clock(), actor=actor, action="terminal.request_rejected",
                    target=f"{request.method} {request.path}"[:128], reason=reason,
                    details={"detail": detail}, request_id=g.get("request_id"),
                    remote_addr=request.remote_addr)
        session.commit()


def count_unauthenticated_rejection(reason: str, detail: str) -> None:
    """Count a terminal request that named no registered key into its (address, reason, minute) row."""
    close_db_session()  # as above: give up the request's transaction first
    svc, now = services(), services().clock()
    address = (request.remote_addr or "unknown")[:64]
    bucket = f"terminal.request_rejected|{address}|{reason}|{now:%Y-%m-%dT%H:%M}"
    with svc.db.session() as session:
        count_audit_burst(session, bucket=bucket, at=now, actor=Actor.anonymous(address),
                          action="terminal.request_rejected", target=f"{request.method} {request.path}"[:128],
                          reason=reason, details={"detail": detail, "counted_per": "remote address, reason, minute"},
                          request_id=g.get("request_id"), remote_addr=address)
        session.commit()
