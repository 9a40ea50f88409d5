"""Which stores' tills keep a member's snapshot (ONECARD_MEMBER_CACHE), and which hold one now.

- ``all``: every store (one change for all);
- ``home``: the home store's tills, or every store's for a member without one;
- ``recent``: the home store's and those of every store where the member shopped in the last
  ``member_cache_days`` days. A till offline elsewhere then sells to them without their
  balance (points arrive on sync, no offline redemption), which is the price of small caches.

A till trusts a snapshot until the next change for the member (see the agent's points module),
so a store that drops out of a member's scope must be told to forget them: publishing withdraws
the member from every store that still holds a snapshot but is out of scope, and the nightly
review does the same for members whose last visit to a store aged out without any change.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.membership.program import LoyaltyProgram
from server.models import ChangeRecord, Member, PostedTransaction
from store_sync.entities import Entity
from store_sync.feed import Op

EVERY_STORE: tuple[str | None, ...] = (None,)


def member_stores(session: Session, member: Member, program: LoyaltyProgram, now: datetime,
                  visit: tuple[str, datetime] | None = None,
                  visited: dict[str, datetime] | None = None) -> tuple[str | None, ...]:
    """The stores whose tills should keep this member's snapshot; None stands for every store.

    ``visit`` is a (store, instant) not yet among the member's posted transactions. ``visited``:
    the member's last visit to each store, as ``last_visits`` read it for several members at once
    (read here when None).
    """
    if program.member_cache == "all":
        return EVERY_STORE
    if program.member_cache == "home":
        return (member.home_store,) if member.home_store else EVERY_STORE
    since = now - timedelta(days=program.member_cache_days)
    if visited is None:
        visited = last_visits(session, [member.id], since).get(member.id, {})
    stores = {*(store for store, at in visited.items() if at >= since),
              *([member.home_store] if member.home_store else [])}
    if visit is not None and visit[1] >= since:
        stores.add(visit[0])
    return tuple(sorted(stores))


def last_visits(session: Session, member_ids: list[uuid.UUID], since: datetime
                ) -> dict[uuid.UUID, dict[str, datetime]]:
    """Each member's last posted transaction at each store since ``since``: member -> store -> instant."""
    rows = session.execute(select(PostedTransaction.member_id, PostedTransaction.store_code,
                                  func.max(PostedTransaction.at))
                           .where(PostedTransaction.member_id.in_(member_ids), PostedTransaction.at >= since)
                           .group_by(PostedTransaction.member_id, PostedTransaction.store_code))
    visits: dict[uuid.UUID, dict[str, datetime]] = {}
    for member_id, store, at in rows:
        visits.setdefault(member_id, {})[store] = at
    return visits


def stores_holding(session: Session, member_id: uuid.UUID) -> set[str | None]:
    """The store scopes whose newest change for this member is an upsert (their tills keep a snapshot).

    Compaction may have deleted every row of a store's scope once a newer change for every store
    superseded them: that store's tills then keep the every-store change, and the scope ``None``
    stands for them.
    """
    return holdings(session, [member_id]).get(member_id, set())


def holdings(session: Session, member_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str | None]]:
    """``stores_holding`` for several members, in one statement: member -> store scopes."""
    newest = (select(func.max(ChangeRecord.order_key))
              .where(ChangeRecord.entity_type == Entity.MEMBER.value,
                     ChangeRecord.entity_id.in_([str(member_id) for member_id in member_ids]))
              .group_by(ChangeRecord.entity_id, ChangeRecord.store_code))
    held: dict[uuid.UUID, set[str | None]] = {}
    for entity_id, store in session.execute(select(ChangeRecord.entity_id, ChangeRecord.store_code).where(
            ChangeRecord.order_key.in_(newest.scalar_subquery()), ChangeRecord.op == Op.UPSERT.value)):
        held.setdefault(uuid.UUID(entity_id), set()).add(store)
    return held


def aged_out_members(session: Session, program: LoyaltyProgram, now: datetime) -> list[uuid.UUID]:
    """Members whose last visit to some store is older than the recent window (candidates to withdraw)."""
    cutoff = now - timedelta(days=program.member_cache_days)
    return list(session.scalars(select(PostedTransaction.member_id).where(PostedTransaction.member_id.is_not(None))
                                .group_by(PostedTransaction.member_id, PostedTransaction.store_code)
                                .having(func.max(PostedTransaction.at) < cutoff).distinct()))
