"""Who is at the till: cashier sign-in with a PIN, the lock screen, and a manager's approval.

Staff users reach the till through the change feed (``staff`` entities: id, name, role and the
Argon2id hash of their PIN, never the PIN), so a PIN is checked here, offline too. A till whose
cache has never held a staff user sells without sign-in, as before any PIN was set; once one came
(a later withdrawal included, kept as the cache's tombstone until a snapshot bootstrap), every
basket change, sale, return, enrolment, shift report and no-sale needs a signed-in cashier and an
unlocked screen (price checks and look-ups do not).

Wrong PINs are counted per staff user at this till (kept in the local database, so a restart does
not reset them): after ``MAX_WRONG_PINS`` in a row the user cannot use a PIN here for
``LOCK_OUT``. Sign-ins, sign-outs, refused PINs, lock-outs and approvals go to the journal as till
events (``store_sync.till_events``), in the same local transaction as the count they change.

A void (of a sale, or of an open basket with lines) and a refund above ``refund_limit_minor`` need a
manager's (or an admin's) PIN; the approver's id goes on the transaction. The signed-in cashier is
kept in memory only: after a restart the cashier signs in again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pos_agent.exceptions import (
    ApprovalRequired,
    NotAnApprover,
    PinLockedOut,
    PinRefused,
    SignInRequired,
    TillLocked,
    UnknownStaff,
)
from pos_agent.ids import new_id
from pos_agent.store import cache, journal
from pos_agent.store.database import Database
from store_sync.entities import Entity
from store_sync.journal import ItemType
from store_sync.pins import verify_pin
from store_sync.till_events import TillEventKind

MAX_WRONG_PINS = 3
LOCK_OUT = timedelta(minutes=10)
APPROVER_ROLES = frozenset({"manager", "admin"})
DEFAULT_REFUND_LIMIT_MINOR = 5000
DEFAULT_IDLE_LOCK = timedelta(minutes=5)  # a lane left alone this long locks (the page asks for the PIN)


@dataclass(frozen=True)
class StaffAtTill:
    id: str
    name: str
    role: str

    @property
    def approver(self) -> bool:
        return self.role in APPROVER_ROLES

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role}


class Cashiers:
    """The till's sign-in state and the PIN checks behind it (see the module docstring)."""

    def __init__(self, db: Database, store: str, terminal: str, clock: Callable[[], datetime],
                 on_journal: Callable[[], None] = lambda: None,
                 refund_limit_minor: int = DEFAULT_REFUND_LIMIT_MINOR,
                 idle_lock: timedelta | None = DEFAULT_IDLE_LOCK) -> None:
        self.db, self.store, self.terminal, self.clock = db, store, terminal, clock
        self.on_journal, self.refund_limit_minor = on_journal, refund_limit_minor
        self.idle_lock = idle_lock  # the register page locks after this long without input; None: never
        self.current: StaffAtTill | None = None
        self.locked = False
        self._lock = threading.RLock()

    # -- who may sign in -------------------------------------------------------------------------

    def staff(self) -> list[StaffAtTill]:
        """The staff users this till knows (their PINs set by an admin), by name."""
        with self.db.reading() as conn:
            found = cache.all_of(conn, Entity.STAFF)
        return sorted((StaffAtTill(s["id"], s["name"], s["role"]) for s in found), key=lambda s: s.name)

    def required(self) -> bool:
        """Sign-in is needed once the feed has brought a staff user, even one withdrawn since: a till
        whose every cashier was disabled stays closed rather than open to anyone."""
        with self.db.reading() as conn:
            return conn.execute("SELECT 1 FROM entities WHERE entity_type = ? LIMIT 1",
                                (Entity.STAFF.value,)).fetchone() is not None

    def state(self) -> dict[str, Any]:
        return {"required": self.required(), "cashier": self.current.as_dict() if self.current else None,
                "locked": self.locked, "refund_limit_minor": self.refund_limit_minor,
                "idle_lock_seconds": int(self.idle_lock.total_seconds()) if self.idle_lock else None}

    def require(self) -> None:
        """Refuse the till's use unless a cashier is signed in and the screen is unlocked (when required).

        A cashier the feed has withdrawn meanwhile (the user was disabled) is signed out here.
        """
        with self._lock:
            if self.current is not None and not self._known(self.current.id):
                self.record(TillEventKind.SIGN_OUT, cashier_id=self.current.id, reason="withdrawn by head office")
                self.current, self.locked = None, False
            if self.current is None and self.required():
                raise SignInRequired()
            if self.current is not None and self.locked:
                raise TillLocked(self.current.name)

    def cashier_id(self) -> str | None:
        return self.current.id if self.current else None

    def cashier_name(self) -> str:
        return self.current.name if self.current else ""

    # -- sign-in, lock, sign-out -----------------------------------------------------------------

    def sign_in(self, staff_id: str, pin: str) -> dict[str, Any]:
        with self._lock:
            staff = self._check_pin(staff_id, pin)
            if self.current is not None and self.current.id != staff.id:
                self.record(TillEventKind.SIGN_OUT, cashier_id=self.current.id, reason="another cashier signed in")
            self.current, self.locked = staff, False
            self.record(TillEventKind.SIGN_IN, cashier_id=staff.id)
            return self.state()

    def sign_out(self) -> dict[str, Any]:
        with self._lock:
            if self.current is not None:
                self.record(TillEventKind.SIGN_OUT, cashier_id=self.current.id)
            self.current, self.locked = None, False
            return self.state()

    def lock(self) -> dict[str, Any]:
        with self._lock:
            if self.current is None:
                raise SignInRequired()
            self.locked = True
            return self.state()

    def unlock(self, pin: str, staff_id: str | None = None) -> dict[str, Any]:
        """The signed-in cashier's PIN unlocks; so does a manager's (``staff_id``), keeping the cashier."""
        with self._lock:
            if self.current is None:
                raise SignInRequired()
            staff = self._check_pin(staff_id or self.current.id, pin)
            if staff.id != self.current.id and not staff.approver:
                raise NotAnApprover(staff.name)
            self.locked = False
            return self.state()

    # -- approvals -------------------------------------------------------------------------------

    def refund_needs_approval(self, refund_minor: int) -> bool:
        return refund_minor > self.refund_limit_minor and self.required()

    def approve(self, approval: dict[str, str] | None, what: str, subject: str,
                amount_minor: int | None) -> str | None:
        """The approving manager's id, once their PIN is right; None at a till without sign-in."""
        if not self.required():
            return None
        if not approval:
            raise ApprovalRequired(what, amount_minor)
        with self._lock:
            staff = self._check_pin(approval["staff_id"], approval["pin"])
            if not staff.approver:
                raise NotAnApprover(staff.name)
            self.record(TillEventKind.APPROVAL, cashier_id=self.cashier_id(), approver_id=staff.id, reason=what,
                        subject=subject, amount_minor=amount_minor)
            return staff.id

    # -- events ----------------------------------------------------------------------------------

    def event_body(self, kind: TillEventKind, **fields: Any) -> dict[str, Any]:
        """A till event as the journal carries it (``TillEventBodySchema``)."""
        return {"id": new_id(), "kind": kind.value, "store": self.store, "terminal": self.terminal,
                "at": self.clock().isoformat(), "cashier_id": self.cashier_id(), **fields}

    def record(self, kind: TillEventKind, conn=None, **fields: Any) -> dict[str, Any]:
        """Journal a till event (in ``conn``'s transaction when given) and wake the sender."""
        body = self.event_body(kind, **fields)
        if conn is None:
            with self.db.transaction() as own:
                journal.append(own, body["id"], ItemType.TILL_EVENT.value, body, self.clock())
        else:
            journal.append(conn, body["id"], ItemType.TILL_EVENT.value, body, self.clock())
        self.on_journal()
        return body

    # -- PINs ------------------------------------------------------------------------------------

    def _known(self, staff_id: str) -> bool:
        with self.db.reading() as conn:
            return cache.get(conn, Entity.STAFF, staff_id) is not None

    def _staff(self, staff_id: str) -> tuple[StaffAtTill, str]:
        with self.db.reading() as conn:
            found = cache.get(conn, Entity.STAFF, staff_id)
        if found is None:
            raise UnknownStaff(staff_id)
        return StaffAtTill(found["id"], found["name"], found["role"]), found["pin_hash"]

    def _check_pin(self, staff_id: str, pin: str) -> StaffAtTill:
        """The staff user whose PIN ``pin`` is; a wrong one is counted and journalled (callers hold the lock)."""
        staff, pin_hash = self._staff(staff_id)
        now = self.clock()
        with self.db.reading() as conn:
            wrong, until = _count(conn, staff.id)
        if until is not None and now < until:
            self.record(TillEventKind.SIGN_IN_REFUSED, cashier_id=staff.id, reason="locked out")
            raise PinLockedOut(staff.name, f"{until:%H:%M}")
        right = verify_pin(pin_hash, pin)  # slow by design: outside the database's lock
        wrong = 0 if right else wrong + 1
        locked_until = now + LOCK_OUT if wrong >= MAX_WRONG_PINS else None
        with self.db.transaction() as conn:
            _keep_count(conn, staff.id, 0 if locked_until else wrong, locked_until)
            if locked_until is not None:
                self.record(TillEventKind.LOCKED_OUT, conn, cashier_id=staff.id,
                            reason=f"{MAX_WRONG_PINS} wrong PINs in a row")
            elif not right:
                self.record(TillEventKind.SIGN_IN_REFUSED, conn, cashier_id=staff.id, reason="wrong PIN")
        if right:
            return staff
        if locked_until is not None:
            raise PinLockedOut(staff.name, f"{locked_until:%H:%M}")
        raise PinRefused(staff.name, MAX_WRONG_PINS - wrong)


def _count(conn, staff_id: str) -> tuple[int, datetime | None]:
    raw = cache.get_state(conn, f"pin:{staff_id}")
    if raw is None:
        return 0, None
    kept = json.loads(raw)
    return kept["wrong"], datetime.fromisoformat(kept["until"]) if kept["until"] else None


def _keep_count(conn, staff_id: str, wrong: int, until: datetime | None) -> None:
    kept = {"wrong": wrong, "until": until.isoformat() if until else None}
    cache.set_state(conn, f"pin:{staff_id}", json.dumps(kept))
