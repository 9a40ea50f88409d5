"""A member's segments and the personal offers they clipped, read together (quotes and the member's snapshot).

One statement for both keeps a quote and a sale at the statement counts of the hot paths.
"""

from __future__ import annotations

import uuid

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from server.models import ClippedOffer, SegmentMember

_SEGMENT, _CLIP = "segment", "clip"


def segments_and_clipped(session: Session, member_id: uuid.UUID) -> tuple[frozenset[str], frozenset[str]]:
    """(segment ids, clipped promotion ids) of the member."""
    rows = session.execute(union_all(
        select(SegmentMember.segment_id.label("id"), literal(_SEGMENT).label("what"))
        .where(SegmentMember.member_id == member_id),
        select(ClippedOffer.promotion_id.label("id"), literal(_CLIP).label("what"))
        .where(ClippedOffer.member_id == member_id))).all()
    return (frozenset(str(i) for i, what in rows if what == _SEGMENT),
            frozenset(str(i) for i, what in rows if what == _CLIP))

