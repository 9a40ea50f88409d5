"""Chain-wide usage caps at the server: reserving a use online, counting posted uses, publishing "reached".

A promotion with a ``chain_cap`` gives itself to at most ``max_uses`` sales in the chain, members
and anonymous shoppers alike (``promotions.chain_caps`` holds the rules). Every reservation and every
posted use of one capped promotion is decided under that promotion's row lock (``FOR NO KEY UPDATE`` on
PostgreSQL; SQLite transactions start with the write lock), so parallel tills are served one after
the other and never reserve more uses than the cap.

- Online, a till reserves a use with the sale's coupons (``capped_promotions`` of
  ``POST /api/v1/coupon-holds``): refused (409 ``offer-not-available``, reason
  ``chain-cap-reached``) when the posted uses plus other live reservations reach the cap. The sale
  that names the reservation confirms it; a cancelled basket releases it; otherwise it lapses.
- Posting counts one use per sale that got the promotion (``cap_uses``). An online sale without a
  live reservation beyond the cap is refused (the till can re-price it); an offline one is accepted
  as the customer paid it, counted (``over_cap``) and recorded as a ``chain-cap-reached`` exception
  naming the till.
- The sale that reaches the cap re-publishes the promotion on the feed with ``cap_reached``: from
  then on no till grants it offline, and the server's quotes leave it out.

Offline, a till grants at most the cap's ``offline_uses`` in sales the server has not acknowledged,
so the cap is exceeded by at most that allowance for each till offline when it runs out. A return
does not give a use back: the customer had the offer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from promotions import BonusPoints, Catalogue, ChainCap, online_exhausted
from server.membership import batch_work
from server.membership.exceptions import ExceptionKind
from server.membership.program import LoyaltyProgram
from server.models import CapHold, CapUse, PromotionRecord, PromotionVersion
from server.pricing.catalogues import live_definitions
from server.pricing.exceptions import OfferNotAvailable, UsageRejected
from server.pricing.publishing import publish_promotion
from server.pricing.reservations import HELD, Reservations

CAP_HOLDS = Reservations(CapHold, "promotion_id", "cap hold")
REASON = "chain-cap-reached"


class Posting(Protocol):
    """The part of ``server.membership.posting.Posting`` this module reads."""

    command: object
    now: datetime

    def flag(self, kind: ExceptionKind, till: int | None, server: int | None, detail: str) -> None: ...


def reserve_caps(session: Session, hold_id: uuid.UUID, promotion_ids: Sequence[str], member_id: uuid.UUID | None,
                 store: str, terminal: str, program: LoyaltyProgram, now: datetime) -> list[CapHold]:
    """Reserve one use of each capped promotion for a sale; a retry returns the first reservation."""
    wanted = sorted(set(promotion_ids))  # one lock order for every till
    caps = {pid: _locked_cap(session, pid) for pid in wanted}
    existing = CAP_HOLDS.replayed(session, hold_id, [pid for pid, cap in caps.items() if cap], member_id)
    if existing is not None:
        return existing
    for pid, cap in caps.items():
        if cap is None:
            continue  # not capped (any more): nothing to hold
        used, held = posted_uses(session, pid), CAP_HOLDS.live_elsewhere(session, pid, hold_id, now)
        if online_exhausted(cap, used, held):
            raise OfferNotAvailable(pid, f"promotion {pid} is capped at {cap.max_uses} use(s) in the chain; "
                                         f"{used} used and {held} reserved at other tills", REASON)
    capped = [pid for pid, cap in caps.items() if cap]
    return CAP_HOLDS.place(session, hold_id, capped, member_id, (store, terminal), program.hold_ttl, now)


def release_caps(session: Session, hold_id: uuid.UUID) -> list[CapHold]:
    return CAP_HOLDS.release(session, hold_id)


def record_cap_uses(session: Session, posting: Posting, used: Iterable[str]) -> None:
    """Count the sale's use of each capped promotion it got, held to the cap (module docstring)."""
    command = posting.command
    for pid in _capped(session, used):
        cap = _locked_cap(session, pid)
        if cap is None or session.get(CapUse, (command.id, pid)) is not None:
            continue
        reserved = CAP_HOLDS.confirm(session, command.coupon_hold_id, pid, command.at, command.id)
        count = posted_uses(session, pid)
        others = 0 if reserved else CAP_HOLDS.live_elsewhere(session, pid, command.coupon_hold_id, posting.now)
        over = not reserved and online_exhausted(cap, count, others)
        if over:
            detail = (f"promotion {pid} is capped at {cap.max_uses} use(s) in the chain; {count} were used and "
                      f"{others} reserved at other tills (terminal {command.terminal})")
            if not command.settled:
                raise UsageRejected(REASON, detail)
            posting.flag(ExceptionKind.CHAIN_CAP_REACHED, cap.max_uses, count + others,
                         f"sale already made at the till: {detail}")
        session.add(CapUse(transaction_id=command.id, promotion_id=pid, store_code=command.store,
                           terminal_code=command.terminal, at=command.at, over_cap=over))
        if count + 1 == cap.max_uses:
            session.flush()
            publish_promotion(session, session.get(PromotionRecord, uuid.UUID(pid)), posting.now)


def posted_uses(session: Session, promotion_id: str) -> int:
    return session.scalar(select(func.count()).where(CapUse.promotion_id == promotion_id))


def exhausted_now(session: Session, catalogue: Catalogue, now: datetime) -> frozenset[str]:
    """The capped promotions of ``catalogue`` no further sale may reserve now (what a quote leaves out)."""
    capped = {p.promotion_id: p.chain_cap for p in catalogue.capped}
    if not capped:
        return frozenset()
    used = dict(session.execute(select(CapUse.promotion_id, func.count()).where(CapUse.promotion_id.in_(capped))
                                .group_by(CapUse.promotion_id)).all())
    held = dict(session.execute(select(CapHold.promotion_id, func.count())
                                .where(CapHold.promotion_id.in_(capped), CapHold.status == HELD,
                                       CapHold.expires_at > now).group_by(CapHold.promotion_id)).all())
    return frozenset(pid for pid, cap in capped.items() if online_exhausted(cap, used.get(pid, 0), held.get(pid, 0)))


def exhausted_for_sale(session: Session, catalogue: Catalogue, applied: Iterable[str], now: datetime) -> frozenset[str]:
    """The capped promotions a posted sale is re-priced without.

    A capped offer giving money that the till did not apply was spent up for it (a refusal, the feed
    or its offline allowance said so): the server does not second-guess that; the ones it applied
    are counted by ``record_cap_uses``. A capped earning rule (points, which the till does not send)
    is the server's own decision, by its count now.
    """
    given = set(applied)
    money = {p.promotion_id for p in catalogue.capped
             if not isinstance(p.rule, BonusPoints) and p.promotion_id not in given}
    points = {p.promotion_id for p in catalogue.capped if isinstance(p.rule, BonusPoints)}
    if not points:  # the count is asked only of capped earning rules: with none, no round trips
        return frozenset(money)
    return frozenset(money | (exhausted_now(session, catalogue, now) & points))


def _capped(session: Session, promotion_ids: Iterable[str]) -> list[str]:
    """Which of ``promotion_ids`` have a chain cap in their current version (one query, no lock), sorted;
    in a journal batch each promotion is asked about once, with the first sale that names it (no item
    of a batch edits a promotion), so sales naming other mixes of promotions ask nothing again."""
    wanted = frozenset(promotion_ids)
    work = batch_work.pending(session)
    if work is None:
        return _read_capped(session, wanted)
    known: dict[str, bool] = batch_work.read_once(session, "chain-capped", dict)  # promotion id -> capped
    missing = wanted - known.keys()
    if missing:
        capped = set(_read_capped(session, missing))
        known.update((pid, pid in capped) for pid in missing)
    return sorted(pid for pid in wanted if known[pid])


def _read_capped(session: Session, promotion_ids: Iterable[str]) -> list[str]:
    """The live promotions' current versions come from the live catalogue (no statement); only the
    others (ended or paused since the till priced the sale) are read."""
    live, keys, capped = live_definitions(session), [], []
    for pid in set(promotion_ids):
        if pid in live:
            if live[pid][1].get("chain_cap"):
                capped.append(pid)
            continue
        try:
            keys.append(uuid.UUID(pid))
        except ValueError:
            continue
    if not keys:
        return sorted(capped)
    rows = session.execute(select(PromotionVersion.promotion_id, PromotionVersion.definition)
                           .join(PromotionRecord, (PromotionRecord.id == PromotionVersion.promotion_id)
                                 & (PromotionRecord.current_version == PromotionVersion.version))
                           .where(PromotionRecord.id.in_(keys))).all()
    return sorted(capped + [str(pid) for pid, definition in rows if definition.get("chain_cap")])


def _locked_cap(session: Session, promotion_id: str) -> ChainCap | None:
    """The promotion's chain cap in its current version, its row locked; None when it has none."""
    try:
        key = uuid.UUID(promotion_id)
    except ValueError:
        return None
    record = session.scalar(select(PromotionRecord).where(PromotionRecord.id == key)
                            .with_for_update(key_share=True))
    if record is None:
        return None
    definition = session.get(PromotionVersion, (record.id, record.current_version)).definition
    data = definition.get("chain_cap")
    return ChainCap(data["max_uses"], data.get("offline_uses", 0)) if data else None
