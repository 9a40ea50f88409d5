"""Which personal offers a member has clipped to their card (read by quotes and the member's snapshot)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import ClippedOffer


def clipped_ids(session: Session, member_id: uuid.UUID) -> frozenset[str]:
    return frozenset(str(pid) for pid in session.scalars(
        select(ClippedOffer.promotion_id).where(ClippedOffer.member_id == member_id)))
