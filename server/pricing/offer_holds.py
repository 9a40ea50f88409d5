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
bound is then the limit per offline till). The rows' life is ``server.pricing.reservations``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from promotions import Period
from server.membership import batch_work
from server.membership.ledger import lock_member
from server.membership.program import LoyaltyProgram
from server.models import OfferHold, PromotionRecord, PromotionVersion, Store
from server.pricing.exceptions import OfferNotAvailable
from server.pricing.quotes import usage_counts
from server.pricing.reservations import HELD, Reservations

OFFER_HOLDS = Reservations(OfferHold, "promotion_id", "offer hold")


def reserve_offers(session: Session, hold_id: uuid.UUID, promotion_ids: Sequence[str], member_id: uuid.UUID,
                   store: str, terminal: str, program: LoyaltyProgram, now: datetime) -> list[OfferHold]:
    """Reserve the limited ``promotion_ids`` for the member's sale; a retry returns the first reservation."""
    wanted = sorted(set(promotion_ids))
    lock_member(session, member_id)
    existing = OFFER_HOLDS.replayed(session, hold_id, wanted, member_id)
    if existing is not None:
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
    return OFFER_HOLDS.place(session, hold_id, wanted, member_id, (store, terminal), program.hold_ttl, now)


def release_offers(session: Session, hold_id: uuid.UUID) -> list[OfferHold]:
    return OFFER_HOLDS.release(session, hold_id)


def held_elsewhere(session: Session, member_id: uuid.UUID, promotion_id: str, hold_id: uuid.UUID | None,
                   now: datetime) -> int:
    """The member's live reservations of ``promotion_id`` other than ``hold_id``.

    In a journal batch, the members it locked are asked once which of them hold any live
    reservation: none can be placed for them until the batch commits (``reserve_offers`` takes the
    member's lock), so a member with none at the batch's start has none for any of its sales."""
    work = batch_work.pending(session)
    if work is not None and member_id in work.locked:
        holders = batch_work.read_once(session, ("offer-holders", now), lambda: _holders(session, work.locked, now))
        if member_id not in holders:
            return 0
    return OFFER_HOLDS.live_elsewhere(session, promotion_id, hold_id, now, member_id)


def _holders(session: Session, members: frozenset[uuid.UUID], now: datetime) -> frozenset[uuid.UUID]:
    """Those of ``members`` with a live reservation of any promotion."""
    return frozenset(session.scalars(select(OfferHold.member_id).where(
        OfferHold.member_id.in_(members), OfferHold.status == HELD, OfferHold.expires_at > now).distinct()))


def confirm_offers(session: Session, hold_id: uuid.UUID | None, promotion_ids: Iterable[str], at: datetime,
                   transaction_id: str) -> set[str]:
    """Confirm the sale's reservations: the promotions it held when the sale was made."""
    if hold_id is None:
        return set()
    used = set(promotion_ids)
    return {row.promotion_id for row in OFFER_HOLDS.rows(session, hold_id)
            if row.promotion_id in used and OFFER_HOLDS.confirm(session, hold_id, row.promotion_id, at, transaction_id)}


def offer_rows(session: Session, hold_id: uuid.UUID) -> list[OfferHold]:
    return OFFER_HOLDS.rows(session, hold_id)


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
