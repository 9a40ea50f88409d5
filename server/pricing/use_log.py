"""A member's recent uses of usage-limited promotions, for the member snapshot tills cache.

An offline till cannot ask the server how often a member used a limited offer this week, so the
snapshot carries the uses themselves (promotion, sale, instant) rather than counts: a count would
be wrong once the period rolls over, while the till can count a log for any instant in its own
store's time zone (``promotions.count_uses``) and add its own sales made since.

Only live promotions with a limit in their current version are logged, and only uses recent
enough to count in some time zone (``promotions.log_horizon``), so the log stays short.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from promotions import Period, log_horizon
from server.membership import batch_work
from server.models import PromotionUseRecord
from server.pricing.catalogues import CATALOGUES

_RECENT = "recent promotion uses"


def promotion_use_log(session: Session, member_id: uuid.UUID, now: datetime) -> list[dict[str, str]]:
    """The member's uses that can still count against a limit, oldest first, as feed payload items."""
    return promotion_use_logs(session, [member_id], now).get(member_id, [])


def recent_uses(session: Session, member_id: uuid.UUID, at: datetime) -> list[tuple[str, str, datetime]]:
    """In a sale posted online (``batch_work.in_one_sale``): the member's uses (promotion, sale,
    instant) of live promotions with a usage limit, from a day before the earliest instant any
    of them counts at ``at`` on; read once, for the sale's usage limits and its member's snapshot
    (``add_uses`` adds the sale's own)."""
    return batch_work.read_once(session, (_RECENT, member_id), lambda: _read_recent(session, member_id, at))[1]


def covers(session: Session, limited) -> bool:
    """Whether ``recent_uses`` holds every use these (promotion, period) pairs count: each is live
    with that period now (a till's older catalogue may name others, or another period)."""
    logged = _limited(session)
    return all(logged.get(pid) == period for pid, period in limited)


def add_uses(session: Session, member_id: uuid.UUID, uses: list[tuple[str, str, datetime]], now: datetime) -> bool:
    """Add a sale's own uses to the member's ``recent_uses``, if they were read and reach back far
    enough for the snapshot at ``now``; True if so (its snapshot then reads no uses: the caller may
    insert them at the sale's end)."""
    read = batch_work.was_read(session, (_RECENT, member_id))
    if read is None or not _covers(read[0], _horizons(session, now)):
        return False
    read[1].extend(uses)
    return True


def _read_recent(session: Session, member_id: uuid.UUID, at: datetime) -> tuple[datetime | None, list]:
    """(the earliest instant read, or None for all of them; the uses)."""
    # A day earlier than ``at``'s horizons: those of the snapshot, taken at the server's time
    # (before or a little after ``at``), are then never earlier.
    horizons = _horizons(session, at - timedelta(days=1))
    if not horizons:
        return None, []
    since = None if None in horizons.values() else min(horizons.values())
    params = {"member_id": member_id, "promotions": sorted(horizons)}
    if since is None:
        return since, [tuple(row) for row in session.execute(_ALL_USES, params)]
    return since, [tuple(row) for row in session.execute(_USES_SINCE, {**params, "since": since})]


# Built once, as every sale to a member with limited offers live reads one of them.
_ALL_USES = (select(PromotionUseRecord.promotion_id, PromotionUseRecord.transaction_id, PromotionUseRecord.at)
             .where(PromotionUseRecord.member_id == bindparam("member_id"),
                    PromotionUseRecord.promotion_id.in_(bindparam("promotions", expanding=True))))
_USES_SINCE = _ALL_USES.where(PromotionUseRecord.at >= bindparam("since"))


def _horizons(session: Session, now: datetime) -> dict[str, datetime | None]:
    return {pid: log_horizon(period, now) for pid, period in _limited(session).items()}


def _covers(since: datetime | None, horizons: dict[str, datetime | None]) -> bool:
    """Whether uses read from ``since`` on hold every use these horizons keep."""
    return since is None or (None not in horizons.values() and since <= min(horizons.values(), default=since))


def promotion_use_logs(session: Session, member_ids: list[uuid.UUID], now: datetime
                       ) -> dict[uuid.UUID, list[dict[str, str]]]:
    """``promotion_use_log`` of each of these members, read for all of them at once (members without
    a use that counts are left out); in a sale posted online, from its ``recent_uses``."""
    horizons = _horizons(session, now)
    if not horizons:
        return {}
    read = batch_work.was_read(session, (_RECENT, member_ids[0])) if len(member_ids) == 1 else None
    if read is not None and _covers(read[0], horizons):
        return _logs([(member_ids[0], *use) for use in read[1]], horizons)
    stmt = (select(PromotionUseRecord.member_id, PromotionUseRecord.promotion_id, PromotionUseRecord.transaction_id,
                   PromotionUseRecord.at)
            .where(PromotionUseRecord.member_id.in_(member_ids), PromotionUseRecord.promotion_id.in_(horizons)))
    if None not in horizons.values():
        stmt = stmt.where(PromotionUseRecord.at >= min(horizons.values()))
    return _logs(session.execute(stmt), horizons)


def _logs(uses, horizons: dict[str, datetime | None]) -> dict[uuid.UUID, list[dict[str, str]]]:
    """Each member's uses (member, promotion, sale, instant) that a horizon keeps, oldest first."""
    rows: dict[uuid.UUID, list[tuple]] = {}
    for member_id, pid, txn, at in uses:
        if pid in horizons and (horizons[pid] is None or at >= horizons[pid]):
            rows.setdefault(member_id, []).append((pid, txn, at))
    return {member_id: [{"promotion_id": pid, "transaction_id": txn, "at": at.isoformat()}
                        for pid, txn, at in sorted(uses, key=lambda row: (row[2], row[1], row[0]))]
            for member_id, uses in rows.items()}


def _limited(session: Session) -> dict[str, Period]:
    """The period of each live promotion with a usage limit in its current version."""
    return CATALOGUES.live(session).logged
