"""The programme's versions in the database: read (kept per process), added, and published to tills.

Every change is a new version with an effective time; a version is never edited, so lots, expiry
dates and tiers recorded under an earlier one stay as they were. Adding a version publishes the
``program`` feed entity with every version in the same transaction, so tills learn of it (and of
its effective time) through the feed they already read.

Each server process keeps the versions it has read and asks the database for a newer one at most
once a second (`ProgrammeBook`); the process that adds a version sees it at once. An empty table
(a database emptied by hand) is seeded with version 1 from the settings, as the migration does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from loyalty.programme import ProgrammeVersion, version_in_force
from loyalty.programme_body import ProgrammeInvalid, programme_from_body
from server.audit import Actor, write_audit
from server.db import first_write_wins
from server.exceptions import Conflict, NotFound, OneCardError
from server.membership.program import FIRST_EFFECTIVE, LoyaltyProgram, program_from_settings, starter_body
from server.models import ProgrammeVersionRecord
from server.settings import Settings

REFRESH_SECONDS = 1.0


class InvalidProgramme(OneCardError):
    """A new programme version breaks the programme's rules; ``errors`` names each field."""

    status = 422
    slug = "invalid-programme"
    title = "Invalid programme"

    def __init__(self, invalid: ProgrammeInvalid) -> None:
        super().__init__("the programme is not valid: " + str(invalid),
                         errors={f"programme.{path}": reasons for path, reasons in invalid.errors.items()})


class EffectiveInThePast(OneCardError):
    status = 422
    slug = "programme-effective-in-the-past"
    title = "A programme version cannot take effect in the past"


def as_version(row: ProgrammeVersionRecord) -> ProgrammeVersion:
    return ProgrammeVersion(row.number, row.effective_from, programme_from_body(row.body))


def version_rows(session: Session) -> list[ProgrammeVersionRecord]:
    return list(session.scalars(select(ProgrammeVersionRecord).order_by(ProgrammeVersionRecord.number)))


def get_version(session: Session, number: int) -> ProgrammeVersionRecord:
    row = session.scalar(select(ProgrammeVersionRecord).where(ProgrammeVersionRecord.number == number))
    if row is None:
        raise NotFound(f"no programme version {number}")
    return row


def seed_first_version(session: Session, settings: Settings, now: datetime) -> None:
    """Version 1 from the settings, unless a version exists (or another process writes it first)."""
    if session.scalar(select(func.count()).select_from(ProgrammeVersionRecord)):
        return
    first_write_wins(session, lambda: _insert(session, 1, FIRST_EFFECTIVE, starter_body(settings), "settings", now),
                     lambda: session.scalar(select(ProgrammeVersionRecord).where(ProgrammeVersionRecord.number == 1)))


def _insert(session: Session, number: int, effective_from: datetime, body: dict, by: str,
            now: datetime) -> ProgrammeVersionRecord:
    row = ProgrammeVersionRecord(number=number, effective_from=effective_from, body=body, created_by=by,
                                 created_at=now)
    session.add(row)
    session.flush()
    return row


def add_version(session: Session, body: dict, effective_from: datetime, actor: Actor, now: datetime,
                settings: Settings) -> ProgrammeVersionRecord:
    """Check ``body`` and store it as the next version, in force from ``effective_from`` (not
    before now); audited and published to every till in the caller's transaction.

    Raises:
        InvalidProgramme: the body breaks a rule (422, with field errors).
        EffectiveInThePast: sales already made would fall under it.
    """
    try:
        programme_from_body(body)
    except ProgrammeInvalid as exc:
        raise InvalidProgramme(exc) from None
    if effective_from < now:
        raise EffectiveInThePast(f"effective_from {effective_from.isoformat()} is before now ({now.isoformat()})",
                                 errors={"effective_from": ["must not be before now"]})
    seed_first_version(session, settings, now)
    row = _next_version(session, effective_from, body, actor.name, now)
    number = row.number
    write_audit(session, at=now, actor=actor, action="programme.version.create", target=str(number),
                details={"effective_from": effective_from.isoformat(), "body": body})
    from server.membership.publishing import publish_programme  # publishing reads this module's rows
    publish_programme(session, settings, now)
    return row


def _next_version(session: Session, effective_from: datetime, body: dict, by: str, now: datetime,
                  attempts: int = 5) -> ProgrammeVersionRecord:
    """Insert under the next number; a concurrent writer that took it first makes this try the one after."""
    for _ in range(attempts):
        number = (session.scalar(select(func.max(ProgrammeVersionRecord.number))) or 0) + 1
        try:
            with session.begin_nested():
                return _insert(session, number, effective_from, body, by, now)
        except IntegrityError:
            continue
    raise Conflict("other programme versions were being added at the same moment; try again")


class ProgrammeBook:
    """The versions as this process last read them, and the `LoyaltyProgram` in force at a time."""

    def __init__(self, engine: Engine, settings: Settings, clock: Callable[[], datetime],
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._engine, self._settings, self._clock, self._monotonic = engine, settings, clock, monotonic
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._lock = threading.Lock()
        self._versions: tuple[ProgrammeVersion, ...] = ()
        self._checked = float("-inf")
        self._built_for: tuple[ProgrammeVersion, ...] = ()
        self._built: dict[int, LoyaltyProgram] = {}

    def at(self, when: datetime) -> LoyaltyProgram:
        versions = self.versions()
        number = version_in_force(versions, when).number
        with self._lock:
            built = self._built.get(number) if self._built_for is versions else None
        if built is None:  # one per version while the versions stay the same: its rules are worked out once
            built = program_from_settings(self._settings, versions, when)
            with self._lock:
                if self._built_for is not versions:
                    self._built_for, self._built = versions, {}
                self._built[number] = built
        return built

    def current(self) -> LoyaltyProgram:
        return self.at(self._clock())

    def forget(self) -> None:
        """Read the versions again on the next use (this process added one)."""
        with self._lock:
            self._checked = float("-inf")

    def versions(self) -> tuple[ProgrammeVersion, ...]:
        with self._lock:
            if self._monotonic() - self._checked < REFRESH_SECONDS and self._versions:
                return self._versions
        loaded = self._read()
        if not loaded:
            with self._sessions() as session:
                seed_first_version(session, self._settings, self._clock())
                session.commit()
            loaded = self._read()
        with self._lock:
            self._versions, self._checked = loaded, self._monotonic()
        return loaded

    def _read(self) -> tuple[ProgrammeVersion, ...]:
        # Outside any transaction: a caller may be holding SQLite's write lock in its own session.
        table = ProgrammeVersionRecord.__table__
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            newest = conn.scalar(select(func.max(table.c.number)))
            if newest is not None and self._versions and newest == self._versions[-1].number:
                return self._versions
            rows = conn.execute(select(table.c.number, table.c.effective_from, table.c.body)
                                .order_by(table.c.number)).all()
        return tuple(ProgrammeVersion(n, at, programme_from_body(body)) for n, at, body in rows)
