"""'For you' picks: per member, products from their own history, proposed to marketing as personal offers.

A job reads the baskets of the last weeks once (profiled members only, voided sales left out, as
bundle mining does), counts the chain's pairs and each member's products in the same pass, and
picks up to ``limit`` products per member with ``promotions.for_you`` (lapsed products first, then
complements). The picks replace the previous run's in ``for_you_picks`` in one transaction. The
scheduler runs it weekly with the defaults below; marketing may run it at any time with its own. The
job's result is a proposal per product (how many members it was picked for, and why), ranked by
members; ``draft_for_you`` turns one into a draft personal offer: a rule segment "for you: product"
(refreshed like any rule segment, so it follows the latest run and members' consent as it is now)
and a clip offer on that product targeting it. Marketing publishes it; each member of the segment
then sees it on their page and clips it to their card.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from promotions.affinity import BasketCounts
from promotions.for_you import MemberHistory, Reason, complement_leads, picks_for
from server.audit import Actor
from server.jobs.progress import report_progress
from server.membership.program import LoyaltyProgram
from server.models import ForYouPick, Product, Segment
from server.pricing.bundle_mining import MAX_WEEKS, read_member_baskets
from server.pricing.references import UnknownReference
from server.pricing.segments import create_segment, refresh_segment
from server.pricing.states import State
from server.pricing.versions import create_promotion
from server.schemas.promotions import DefinitionSchema

WRITE_BATCH = 5_000
PROPOSALS = 20
# A run's settings when none are given (the weekly scheduled run, and the API's defaults).
WEEKS, RECENT_WEEKS, MIN_TOGETHER, MIN_BEFORE, PICKS_PER_MEMBER = 26, 6, 20, 3, 3


def compute_for_you(sessions: Callable[[], AbstractContextManager[Session]], now: datetime, weeks: int, *,
                    recent_weeks: int, min_together: int, min_before: int, limit: int) -> dict:
    """Pick products for each profiled member from the last ``weeks`` (the last ``recent_weeks`` of
    them are "recent" for lapsed products), store the picks, and propose offers per product."""
    since = now - timedelta(weeks=min(weeks, MAX_WEEKS))
    recent_from = now - timedelta(weeks=recent_weeks)
    counts, histories = BasketCounts(), defaultdict(MemberHistory)

    def visit(member_id: uuid.UUID, at: datetime, skus: list[str]) -> None:
        counts.add(skus)
        histories[member_id].add(skus, at >= recent_from)

    read_member_baskets(sessions, since, now, visit)
    leads = complement_leads(counts, min_together=min_together)
    picks = {}
    for done, (member_id, history) in enumerate(histories.items(), 1):
        picks[member_id] = picks_for(history, leads, limit=limit, min_before=min_before)
        if done % 10_000 == 0:
            report_progress(done, len(histories), "members picked for")
    report_progress(len(histories), len(histories), "members picked for")
    _store(sessions, picks, now)
    return {"since": since.isoformat(), "until": now.isoformat(), "recent_from": recent_from.isoformat(),
            "baskets": counts.baskets, "members": len(histories),
            "members_with_picks": sum(1 for found in picks.values() if found),
            "proposals": _proposals(sessions, picks)}


def _store(sessions, picks: dict, now: datetime) -> None:
    rows = [{"member_id": member_id, "sku": p.sku, "reason": p.reason.value, "because_sku": p.because,
             "score_bp": int(p.score * 10_000), "rank": rank, "computed_at": now}
            for member_id, found in picks.items() for rank, p in enumerate(found, 1)]
    with sessions() as session:  # one transaction: targeting never sees half a run
        session.execute(delete(ForYouPick))
        for start in range(0, len(rows), WRITE_BATCH):
            session.execute(insert(ForYouPick), rows[start:start + WRITE_BATCH])
        session.commit()


def _proposals(sessions, picks: dict) -> list[dict]:
    members, reasons = Counter(), defaultdict(Counter)
    for found in picks.values():
        for p in found:
            members[p.sku] += 1
            reasons[p.sku][p.reason.value] += 1
    ranked = sorted(members, key=lambda sku: (-members[sku], sku))[:PROPOSALS]
    with sessions() as session:
        names = dict(session.execute(select(Product.sku, Product.name).where(Product.sku.in_(ranked))).all())
    return [{"sku": sku, "name": names.get(sku), "members": members[sku],
             "lapsed": reasons[sku][Reason.LAPSED.value], "complement": reasons[sku][Reason.COMPLEMENT.value]}
            for sku in ranked if sku in names]


def draft_for_you(session: Session, sku: str, percent_bp: int, label: str | None, now: datetime, actor: Actor,
                  program: LoyaltyProgram):
    """A draft clip offer of ``percent_bp`` off ``sku`` for its "for you" members (segment made if new).

    Raises:
        UnknownReference: no product ``sku``.
    """
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        raise UnknownReference({"sku": [f"no product {sku}"]})
    segment = for_you_segment(session, product, program, now)
    definition = DefinitionSchema().load({
        "label": label or f"For you: {product.name}",
        "rule": {"kind": "percent_off", "percent_bp": percent_bp, "scope": {"skus": [sku]}},
        "targeting": {"segments": [str(segment.id)], "clip": True}})
    return create_promotion(session, definition, State.DRAFT, now, actor, program)


def for_you_segment(session: Session, product: Product, program: LoyaltyProgram, now: datetime) -> Segment:
    """The rule segment of the product's "for you" members (found by its rule, else made), refreshed now."""
    for segment in session.scalars(select(Segment).where(Segment.kind == "rule")):
        if segment.rule == {"for_you": product.sku}:
            refresh_segment(session, segment, program, now)
            return segment
    return create_segment(session, f"For you: {product.name} ({product.sku})", {"for_you": product.sku}, None,
                          program, now)


def member_picks(session: Session, member_id: uuid.UUID) -> dict[str, ForYouPick]:
    return {p.sku: p for p in session.scalars(select(ForYouPick).where(ForYouPick.member_id == member_id))}
