"""The one shape of a reservation an online till places before a sale completes.

Coupon codes (``server.pricing.coupon_holds``), a member's limited offers
(``server.pricing.offer_holds``) and uses of chain-capped offers (``server.pricing.cap_holds``) are
reserved alike: one row per reserved thing under the till's reservation id, ``held`` until the sale
that names the reservation confirms it, a cancelled basket releases it, or it lapses at
``expires_at`` (a points hold's lifetime) by itself. A retry with the same id returns the first
reservation; the same id with other content is a conflict. What may be reserved, and under which
lock, is each kind's own rule; this module keeps the life of the rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.exceptions import Conflict


class ReservationStatus(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"  # the sale that named the reservation used it
    RELEASED = "released"  # the till gave it back (a lapsed row stays held, past its expires_at)


HELD, CONFIRMED, RELEASED = ReservationStatus.HELD, ReservationStatus.CONFIRMED, ReservationStatus.RELEASED


@dataclass(frozen=True)
class Reservations:
    """The rows of one kind of reservation: ``model`` keyed by (id, ``key``), named ``noun`` in messages."""

    model: Any
    key: str
    noun: str

    def rows(self, session: Session, hold_id: uuid.UUID) -> list:
        column = getattr(self.model, self.key)
        return list(session.scalars(select(self.model).where(self.model.id == hold_id).order_by(column)))

    def replayed(self, session: Session, hold_id: uuid.UUID, wanted: Sequence[str],
                 member_id: uuid.UUID | None) -> list | None:
        """The reservation ``hold_id`` already placed (a retry), or None; other content is a Conflict."""
        existing = self.rows(session, hold_id)
        if not existing:
            return None
        if sorted(getattr(row, self.key) for row in existing) != sorted(wanted) or existing[0].member_id != member_id:
            raise Conflict(f"{self.noun} {hold_id} exists with other content")
        return existing

    def place(self, session: Session, hold_id: uuid.UUID, keys: Sequence[str], member_id: uuid.UUID | None,
              where: tuple[str, str], ttl: timedelta, now: datetime) -> list:
        """Hold ``keys`` for one sale at the till ``where`` (store, terminal) until ``now + ttl``."""
        store, terminal = where
        rows = [self.model(id=hold_id, **{self.key: key}, member_id=member_id, status=HELD, store_code=store,
                           terminal_code=terminal, created_at=now, expires_at=now + ttl) for key in sorted(keys)]
        session.add_all(rows)
        session.flush()
        return rows

    def release(self, session: Session, hold_id: uuid.UUID) -> list:
        """Release the reservation's held rows (none when it reserved none of this kind)."""
        rows = self.rows(session, hold_id)
        for row in rows:
            if row.status == HELD:
                row.status = RELEASED
        session.flush()
        return rows

    def live_elsewhere(self, session: Session, key: str, hold_id: uuid.UUID | None, now: datetime,
                       member_id: uuid.UUID | None = None) -> int:
        """Live reservations of ``key`` other than ``hold_id`` (only the member's, if one is named)."""
        query = select(func.count()).where(getattr(self.model, self.key) == key, self.model.status == HELD,
                                           self.model.expires_at > now)
        if hold_id is not None:
            query = query.where(self.model.id != hold_id)
        if member_id is not None:
            query = query.where(self.model.member_id == member_id)
        return session.scalar(query)

    def confirm(self, session: Session, hold_id: uuid.UUID | None, key: str, at: datetime,
                transaction_id: str) -> bool:
        """Confirm the sale's reservation of ``key``: True if it held it when the sale was made (``at``)."""
        if hold_id is None:
            return False
        row = session.get(self.model, (hold_id, key))
        if row is None or row.status not in (HELD, CONFIRMED) or at >= row.expires_at:
            return False
        if row.status == CONFIRMED and row.transaction_id != transaction_id:
            return False
        row.status, row.transaction_id = CONFIRMED, transaction_id
        return True
