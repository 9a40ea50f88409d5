"""Online redemption holds: a till reserves points while the customer pays; holds lapse alone.

Placing a hold locks the member row, so two tills redeeming one balance at once are served one
after the other and the second sees the first's hold: the balance is never overdrawn online. A
till's retry that arrives while its first attempt is being placed waits on the same lock and
gets the first hold back.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from loyalty.exceptions import InsufficientPoints
from server.db import first_write_wins
from server.exceptions import Conflict, NotFound, OneCardError
from server.membership.balances import kept_figures
from server.membership.ledger import HELD, HoldStatus, held_points, lock_member
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_member
from server.models import Hold

CONFIRMED, RELEASED, EXPIRED = HoldStatus.CONFIRMED, HoldStatus.RELEASED, HoldStatus.EXPIRED


class HoldNotUsable(OneCardError):
    status = 409
    slug = "hold-not-usable"
    title = "Hold not usable"


def place_hold(session: Session, hold_id: uuid.UUID, member_id: uuid.UUID, points: int,
               store_code: str, terminal_code: str, program: LoyaltyProgram, now: datetime) -> Hold:
    """Reserve ``points``; the same hold id again returns the first hold (a till's retry)."""
    existing = session.get(Hold, hold_id)
    if existing is None:
        lock_member(session, member_id)
        existing = session.get(Hold, hold_id)  # placed meanwhile by the request we waited for
    if existing is not None:
        return _the_same_hold(existing, member_id, points)
    available = kept_figures(session, member_id, now).available - held_points(session, member_id, now)
    if points > available:
        raise InsufficientPoints(available=max(available, 0), requested=points)
    hold = Hold(id=hold_id, member_id=member_id, points=points, status=HELD, store_code=store_code,
                terminal_code=terminal_code, created_at=now, expires_at=now + program.hold_ttl)
    # The member lock does not cover the same hold id sent for another member at the same moment.
    hold, placed = first_write_wins(session, lambda: _added(session, hold), lambda: session.get(Hold, hold_id))
    if not placed:
        return _the_same_hold(hold, member_id, points)
    publish_member(session, member_id, program, now)
    return hold


def _the_same_hold(existing: Hold, member_id: uuid.UUID, points: int) -> Hold:
    if (existing.member_id, existing.points) != (member_id, points):
        raise Conflict(f"hold {existing.id} exists with other content")
    return existing


def _added(session: Session, hold: Hold) -> Hold:
    session.add(hold)
    session.flush()
    return hold


def live_hold(session: Session, hold_id: uuid.UUID, now: datetime) -> Hold:
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound(f"no hold {hold_id}")
    if hold.status != HELD or hold.expires_at <= now:
        status = EXPIRED if hold.status == HELD else hold.status
        raise HoldNotUsable(f"hold {hold_id} is {status}", hold_status=status)
    return hold


def release_hold(session: Session, hold_id: uuid.UUID, program: LoyaltyProgram, now: datetime) -> Hold:
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound(f"no hold {hold_id}")
    if hold.status == HELD:
        hold.status = RELEASED
        session.flush()
        publish_member(session, hold.member_id, program, now)
    return hold


def expire_holds(session: Session, now: datetime) -> int:
    """Mark lapsed holds expired (they stopped counting at their expiry already)."""
    result = session.execute(update(Hold).where(Hold.status == HELD, Hold.expires_at <= now)
                             .values(status=EXPIRED))
    return result.rowcount
