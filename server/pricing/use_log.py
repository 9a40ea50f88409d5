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
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from promotions import Period, log_horizon
from server.models import PromotionUseRecord
from server.pricing.catalogues import CATALOGUES


def promotion_use_log(session: Session, member_id: uuid.UUID, now: datetime) -> list[dict[str, str]]:
    """The member's uses that can still count against a limit, oldest first, as feed payload items."""
    return promotion_use_logs(session, [member_id], now).get(member_id, [])


def promotion_use_logs(session: Session, member_ids: list[uuid.UUID], now: datetime
                       ) -> dict[uuid.UUID, list[dict[str, str]]]:
    """``promotion_use_log`` of each of these members, read for all of them at once (members without
    a use that counts are left out)."""
    horizons = {pid: log_horizon(period, now) for pid, period in _limited(session).items()}
    if not horizons:
        return {}
    stmt = (select(PromotionUseRecord.member_id, PromotionUseRecord.promotion_id, PromotionUseRecord.transaction_id,
                   PromotionUseRecord.at)
            .where(PromotionUseRecord.member_id.in_(member_ids), PromotionUseRecord.promotion_id.in_(horizons)))
    if None not in horizons.values():
        stmt = stmt.where(PromotionUseRecord.at >= min(horizons.values()))
    rows: dict[uuid.UUID, list[tuple]] = {}
    for member_id, pid, txn, at in session.execute(stmt):
        if horizons[pid] is None or at >= horizons[pid]:
            rows.setdefault(member_id, []).append((pid, txn, at))
    return {member_id: [{"promotion_id": pid, "transaction_id": txn, "at": at.isoformat()}
                        for pid, txn, at in sorted(uses, key=lambda row: (row[2], row[1], row[0]))]
            for member_id, uses in rows.items()}


def _limited(session: Session) -> dict[str, Period]:
    """The period of each live promotion with a usage limit in its current version."""
    return CATALOGUES.live(session).logged
