"""A member's segments and the personal offers they clipped, read together (quotes and the member's snapshot).

One statement for both keeps a quote and a sale at the statement counts of the hot paths. In a
journal batch, one statement reads them for every member its sales name, with the first item
that asks (``batch_work.read_once``): none of its items changes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from server.membership import batch_work
from server.models import ClippedOffer, SegmentMember

_SEGMENT, _CLIP = "segment", "clip"
_NONE: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
_ONCE = "segments and clipped, read once"


@contextmanager
def read_once_within(session: Session) -> Iterator[None]:
    """Within the block, each member's segments and clipped offers are read once: an online sale
    reads them to price it and again for the member's snapshot, and changes neither in between."""
    session.info[_ONCE] = {}
    try:
        yield
    finally:
        session.info.pop(_ONCE, None)


def as_columns(member_id) -> tuple:
    """The segment ids and clipped promotion ids of the member whose id is ``member_id`` (a column of
    the outer query), as two PostgreSQL array columns: a statement that reads the member anyway
    reads them too (``remember`` then keeps them for the block of ``read_once_within``)."""
    return (select(func.array_agg(SegmentMember.segment_id)).where(SegmentMember.member_id == member_id)
            .scalar_subquery().label("segments"),
            select(func.array_agg(ClippedOffer.promotion_id)).where(ClippedOffer.member_id == member_id)
            .scalar_subquery().label("clipped"))


def remember(session: Session, member_id: uuid.UUID, segments: list | None, clipped: list | None) -> None:
    """Within ``read_once_within``: the member's segments and clipped offers as ``as_columns`` read them."""
    once = session.info.get(_ONCE)
    if once is not None:
        once[member_id] = (frozenset(map(str, segments or ())), frozenset(map(str, clipped or ())))


def segments_and_clipped(session: Session, member_id: uuid.UUID) -> tuple[frozenset[str], frozenset[str]]:
    """(segment ids, clipped promotion ids) of the member."""
    work = batch_work.pending(session)
    if work is not None and member_id in work.locked:
        found = batch_work.read_once(session, "segments and clipped", lambda: _of_members(session, work.locked))
    elif (once := session.info.get(_ONCE)) is not None:
        if member_id not in once:
            once[member_id] = _of_members(session, [member_id]).get(member_id, _NONE)
        return once[member_id]
    else:
        found = _of_members(session, [member_id])
    return found.get(member_id, _NONE)


def _of_members(session: Session, member_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, tuple]:
    rows = session.execute(union_all(
        select(SegmentMember.member_id, SegmentMember.segment_id.label("id"), literal(_SEGMENT).label("what"))
        .where(SegmentMember.member_id.in_(member_ids)),
        select(ClippedOffer.member_id, ClippedOffer.promotion_id.label("id"), literal(_CLIP).label("what"))
        .where(ClippedOffer.member_id.in_(member_ids)))).all()
    found: dict[uuid.UUID, tuple[set[str], set[str]]] = {}
    for member_id, id_, what in rows:
        found.setdefault(member_id, (set(), set()))[0 if what == _SEGMENT else 1].add(str(id_))
    return {member_id: (frozenset(segments), frozenset(clipped)) for member_id, (segments, clipped) in found.items()}
