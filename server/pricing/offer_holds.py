"""Offer holds: an online till reserves a sale's per-member limited promotions before it completes.

A promotion limited to N uses per member (``usage_limit``) is counted from the sales that have
reached the server, so two online tills could each give the member the last use at once. An
online till therefore reserves the limited promotions of a sale together with its coupons (the
``promotions`` of ``POST /api/v1/coupon-holds``, under the same reservation id). The server locks
the member's row, so two reservations for one member are served one after the other, and refuses
(409 ``offer-not-available``) a promotion whose uses in its current period, plus the member's
other live reservations of it, already reach the limit. A reservation lives as long as a points
hold (``program.hold_ttl``); the sale that names it confirms it, a cancelled basket releases it,
and otherwise it lapses. ``server.pricing.usage`` counts the other live reservations as uses when
a sale arrives. Offline, a till keeps within the uses its cache and its own sales show (the
bound is then the limit per offline till).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from promotions import Period
from server.exceptions import Conflict
from server.membership.ledger import lock_member
from server.membership.program import LoyaltyProgram
from server.models import OfferHold, PromotionRecord, PromotionVersion, Store
from server.pricing.exceptions import OfferNotAvailable
from server.pricing.quotes import usage_counts

HELD, CONFIRMED, RELEASED = "held", "confirmed", "released"


def reserve_offers(session: Session, hold_id: uuid.UUID, promotion_ids: Sequence[str], member_id: uuid.UUID,
                   store: str, terminal: str, program: LoyaltyProgram, now: datetime) -> list[OfferHold]:
    """Reserve the limited ``promotion_ids`` for the member's sale; a retry returns the first reservation."""
    wanted = sorted(set(promotion_ids))
    lock_member(session, member_id)
    existing = offer_rows(session, hold_id)
    if existing:
        if sorted(row.promotion_id for row in existing) != wanted or existing[0].member_id != member_id:
            raise Conflict(f"offer hold {hold_id} exists with other content")
        return existing
    limits = _limits(session, wanted)
    timezone = session.scalar(select(Store.timezone).where(Store.code == store)) or "UTC"
    used = usage_counts(session, member_id, [(pid, Period(limit["period"])) for pid, limit in limits.items()],
                        now, timezone)
    for pid, limit in limits.items():
        taken = used.get(pid, 0) + held_elsewhere(session, member_id, pid, hold_id, now)
        if taken >= limit["max_uses"]:
            raise OfferNotAvailable(pid, f"promotion {pid} allows {limit['max_uses']} use(s) per member per "
                                         f"{limit['period']}; this member has used or reserved {taken}")
    rows = [OfferHold(id=hold_id, promotion_id=pid, member_id=member_id, status=HELD, store_code=store,
                      terminal_code=terminal, created_at=now, expires_at=now + program.hold_ttl) for pid in wanted]
    session.add_all(rows)
    session.flush()
    return rows


def release_offers(session: Session, hold_id: uuid.UUID) -> list[OfferHold]:
    rows = offer_rows(session, hold_id)
    for row in rows:
        if row.status == HELD:
            row.status = RELEASED
    session.flush()
    return rows


def held_elsewhere(session: Session, member_id: uuid.UUID, promotion_id: str, hold_id: uuid.UUID | None,
                   now: datetime) -> int:
    """The member's live reservations of ``promotion_id`` other than ``hold_id``."""
    query = select(func.count()).where(OfferHold.member_id == member_id, OfferHold.promotion_id == promotion_id,
                                       OfferHold.status == HELD, OfferHold.expires_at > now)
    if hold_id is not None:
        query = query.where(OfferHold.id != hold_id)
    return session.scalar(query)


def confirm_offers(session: Session, hold_id: uuid.UUID | None, promotion_ids: Iterable[str], at: datetime,
                   transaction_id: str) -> set[str]:
    """Confirm the sale's reservations: the promotions it held when the sale was made."""
    if hold_id is None:
        return set()
    confirmed, used = set(), set(promotion_ids)
    for row in offer_rows(session, hold_id):
        if row.promotion_id not in used or at >= row.expires_at:
            continue
        if row.status == HELD or (row.status == CONFIRMED and row.transaction_id == transaction_id):
            row.status, row.transaction_id = CONFIRMED, transaction_id
            confirmed.add(row.promotion_id)
    return confirmed


def offer_rows(session: Session, hold_id: uuid.UUID) -> list[OfferHold]:
    return list(session.scalars(select(OfferHold).where(OfferHold.id == hold_id).order_by(OfferHold.promotion_id)))


def _limits(session: Session, promotion_ids: Sequence[str]) -> dict[str, dict]:
    """Each named promotion's usage limit in its current version; one without a limit is not held."""
    found = {}
    for pid in promotion_ids:
        try:
            record = session.get(PromotionRecord, uuid.UUID(pid))
        except ValueError:
            record = None
        if record is None:
            raise OfferNotAvailable(pid, f"no promotion {pid}")
        limit = session.get(PromotionVersion, (record.id, record.current_version)).definition.get("usage_limit")
        if limit:
            found[pid] = limit
    return found
