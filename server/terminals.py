"""Stores and terminals: registration (credential printed once), suspension and revocation.

Revoking is for good: the credential is refused from its next request on. Suspending is for a
terminal under review (say, one recorded redeeming past its offline allowance): it still signs
in, syncs and posts its sales, and a completed sale is never refused, but it redeems no points
until an admin resumes it. While suspended the server places no points hold for it and answers
its quotes that ask for points with 403 (``TerminalSuspended``); its sales still earn what the
server's own catalogue and programme give (the till's figures never count), credit none of the
points they tender (the member keeps them), and each is recorded as a ``terminal-suspended``
reconciliation exception for the review. The suspension is judged when the sale is applied, so a
journal that arrives during one is credited that way even for sales made before it.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import Actor, write_audit
from server.auth.terminal_auth import TERMINALS_CHANGED
from server.db import signal_on_commit
from server.exceptions import Conflict, NotFound, OneCardError, TerminalSuspended
from server.membership.publishing import publish_store
from server.models import Store, Terminal
from store_sync.signing import TerminalCredential

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


class InvalidStore(OneCardError):
    status = 422
    slug = "invalid-store"
    title = "Invalid store or terminal"


def _check_code(kind: str, code: str) -> str:
    if not _CODE.match(code):
        raise InvalidStore(f"{kind}: use 1-32 letters, digits, '_' or '-' (got {code!r})")
    return code


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # not found: a KeyError; a directory ("America"): an OSError
        raise InvalidStore(f"timezone: {name!r} is not an IANA time zone") from None
    return name


def get_store(session: Session, code: str) -> Store:
    store = session.scalar(select(Store).where(Store.code == code))
    if store is None:
        raise NotFound(f"no store with code {code!r}")
    return store


def create_store(session: Session, code: str, name: str, timezone: str, now: datetime,
                 actor: Actor, prices_include_tax: bool = True, receipt: dict | None = None) -> Store:
    _check_code("store", code)
    if session.scalar(select(Store.id).where(Store.code == code)):
        raise Conflict(f"store {code!r} already exists")
    store = Store(code=code, name=name or code, timezone=_check_timezone(timezone),
                  prices_include_tax=prices_include_tax, receipt=dict(receipt or {}), created_at=now)
    session.add(store)
    publish_store(session, store, now)
    write_audit(session, at=now, actor=actor, action="store.created", target=code)
    return store


def set_tax_basis(session: Session, store: Store, prices_include_tax: bool, now: datetime, actor: Actor,
                  reason: str | None = None) -> Store:
    """Change whether the store's prices are entered tax-inclusive; the caller commits.

    Sales priced after the change use it: quotes and online sales at once, an offline till once the
    feed brings it (the server re-checks an offline sale with the basis its till had,
    ``server.pricing.till_taxes``). Posted sales keep the figures they were taxed with. Setting the
    basis the store already has changes nothing and is not audited.
    """
    if type(prices_include_tax) is not bool:
        raise InvalidStore("prices_include_tax: true or false")
    if store.prices_include_tax == prices_include_tax:
        return store
    before, store.prices_include_tax = store.prices_include_tax, prices_include_tax
    publish_store(session, store, now)
    write_audit(session, at=now, actor=actor, action="store.tax_basis_changed", target=store.code, reason=reason,
                details={"prices_include_tax": {"from": before, "to": prices_include_tax}})
    return store


def set_receipt_details(session: Session, store: Store, receipt: dict, now: datetime, actor: Actor,
                        reason: str | None = None) -> Store:
    """Replace what the store's receipts print besides its name (address, tax number, header and
    footer lines, as ``ReceiptDetailsSchema`` loads them); the caller commits. Tills print it once
    the feed brings it; receipts already printed keep theirs. The same details change nothing."""
    if dict(store.receipt or {}) == receipt:
        return store
    before, store.receipt = dict(store.receipt or {}), dict(receipt)
    publish_store(session, store, now)
    write_audit(session, at=now, actor=actor, action="store.receipt_changed", target=store.code, reason=reason,
                details={"receipt": {"from": before, "to": receipt}})
    return store


def register_terminal(session: Session, store: Store, code: str, now: datetime,
                      actor: Actor) -> tuple[Terminal, TerminalCredential]:
    """Create a terminal and its credential. Only the public key is stored; show the credential once."""
    _check_code("terminal", code)
    exists = session.scalar(select(Terminal.id).where(Terminal.store_id == store.id,
                                                      Terminal.code == code))
    if exists:
        raise Conflict(f"terminal {code!r} is already registered in store {store.code!r}")
    credential = TerminalCredential.generate()
    terminal = Terminal(store_id=store.id, code=code, key_id=credential.key_id,
                        public_key=credential.public_key, created_at=now)
    session.add(terminal)
    write_audit(session, at=now, actor=actor, action="terminal.registered",
                target=f"{store.code}/{code}", details={"key_id": credential.key_id})
    return terminal, credential


def get_terminal(session: Session, store: Store, code: str) -> Terminal:
    terminal = session.scalar(select(Terminal).where(Terminal.store_id == store.id, Terminal.code == code))
    if terminal is None:
        raise NotFound(f"no terminal {code!r} in store {store.code!r}")
    return terminal


def revoke_terminal(session: Session, store: Store, code: str, now: datetime, actor: Actor,
                    reason: str | None = None) -> Terminal:
    """Refuse every request signed with this terminal's credential from now on; the caller commits.

    Once the caller commits, the workers' terminal caches are dropped (see
    server.auth.terminal_auth), so the next request is already refused (401, reason ``revoked``).
    The row stays: sales and audit records still name the terminal.
    """
    terminal = get_terminal(session, store, code)
    if not terminal.active:
        raise Conflict(f"terminal {code!r} of store {store.code!r} was already revoked at "
                       f"{terminal.revoked_at.isoformat() if terminal.revoked_at else 'an unknown time'}")
    terminal.active, terminal.revoked_at = False, now
    signal_on_commit(session, TERMINALS_CHANGED)
    write_audit(session, at=now, actor=actor, action="terminal.revoked", target=f"{store.code}/{code}",
                reason=reason, details={"key_id": terminal.key_id})
    return terminal


def suspend_terminal(session: Session, store: Store, code: str, now: datetime, actor: Actor,
                     reason: str | None = None) -> Terminal:
    """Suspend an active terminal's points (see the module docstring); audited, the caller commits."""
    terminal = get_terminal(session, store, code)
    if not terminal.active:
        raise Conflict(f"terminal {code!r} of store {store.code!r} is revoked: there is nothing to suspend")
    if terminal.suspended_at is not None:
        raise Conflict(f"terminal {code!r} of store {store.code!r} is already suspended "
                       f"(since {terminal.suspended_at.isoformat()})")
    terminal.suspended_at = now
    write_audit(session, at=now, actor=actor, action="terminal.suspended", target=f"{store.code}/{code}",
                reason=reason, details={"key_id": terminal.key_id})
    return terminal


def resume_terminal(session: Session, store: Store, code: str, now: datetime, actor: Actor,
                    reason: str | None = None) -> Terminal:
    """End a terminal's suspension: its holds and points tender count again; audited, the caller commits."""
    terminal = get_terminal(session, store, code)
    if terminal.suspended_at is None:
        raise Conflict(f"terminal {code!r} of store {store.code!r} is not suspended")
    write_audit(session, at=now, actor=actor, action="terminal.resumed", target=f"{store.code}/{code}",
                reason=reason, details={"key_id": terminal.key_id,
                                        "suspended_at": terminal.suspended_at.isoformat()})
    terminal.suspended_at = None
    return terminal


def suspended_since(session: Session, store_code: str, terminal_code: str) -> datetime | None:
    """When the terminal was suspended, or None when it is not (or not known)."""
    return session.scalar(select(Terminal.suspended_at).join(Store, Store.id == Terminal.store_id)
                          .where(Store.code == store_code, Terminal.code == terminal_code))


def ensure_not_suspended(session: Session, store_code: str, terminal_code: str) -> None:
    """Refuse (403) a points request of a suspended terminal."""
    since = suspended_since(session, store_code, terminal_code)
    if since is not None:
        raise TerminalSuspended(f"terminal {store_code}/{terminal_code} is suspended (since "
                                f"{since.isoformat()}): it may not redeem points until an admin resumes it")
