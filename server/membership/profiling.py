"""What a member's consent to profiling holds up, dropped at once when they withdraw it."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.models import ForYouPick, Segment, SegmentMember


def forget_profiling(session: Session, member_id: uuid.UUID) -> None:
    """Delete the member's "for you" picks and take them out of every "for you" segment now, so no
    offer picked from their history reaches them (the caller republishes the member for the tills)."""
    session.execute(delete(ForYouPick).where(ForYouPick.member_id == member_id))
    for segment in session.scalars(select(Segment).where(Segment.kind == "rule")):
        if not (segment.rule or {}).get("for_you"):
            continue
        left = session.execute(delete(SegmentMember).where(SegmentMember.segment_id == segment.id,
                                                           SegmentMember.member_id == member_id))
        segment.size -= left.rowcount
