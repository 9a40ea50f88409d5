"""Bundle suggestions mined from the baskets of the last weeks, for marketing to turn into drafts.

Only the baskets of members who consented to profiling are read (an anonymous sale, or a member
who did not consent, is not profiled). A voided sale is left out; a sale partly returned still
says what was bought together. The baskets are read from the transactions table in pages (a
short transaction each, in id order) and counted in memory by promotions.affinity (a counter per
product and per pair seen): plain counts, no library, because the pairs of a few weeks of a chain
fit in memory and one pass reads each transaction once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from promotions.affinity import BasketCounts, BundleSuggestion, project_bundle, suggest_bundles
from server.audit import Actor
from server.jobs.progress import report_progress
from server.membership.program import LoyaltyProgram
from server.models import Member, PostedTransaction, Product
from server.pricing.references import UnknownReference
from server.pricing.states import State
from server.pricing.versions import create_promotion
from server.schemas.promotions import DefinitionSchema

PAGE = 5_000
MAX_WEEKS = 52


def _profiled_members(session: Session) -> set[uuid.UUID]:
    rows = session.execute(select(Member.id, Member.consents).where(Member.erased_at.is_(None)))
    return {member_id for member_id, consents in rows if (consents or {}).get("profiling")}


def _voided(session: Session, since: datetime) -> set[str]:
    return set(session.scalars(select(PostedTransaction.original_id).where(
        PostedTransaction.kind == "void", PostedTransaction.at >= since)))


def read_member_baskets(sessions: Callable[[], AbstractContextManager[Session]], since: datetime, until: datetime,
                        visit: Callable[[uuid.UUID, datetime, list[str]], None], note: str = "baskets read") -> int:
    """Call ``visit(member, at, skus)`` for each profiled member's sale from ``since`` to ``until`` (voided
    ones left out), a page per transaction, reporting progress between pages (a job's progress is
    written in a transaction of its own). Returns the sales read, profiled or not."""
    window = (PostedTransaction.kind == "sale", PostedTransaction.at >= since, PostedTransaction.at <= until,
              PostedTransaction.member_id.is_not(None))
    with sessions() as session:
        profiled, voided = _profiled_members(session), _voided(session, since)
        total = session.scalar(select(func.count()).select_from(PostedTransaction).where(*window))
    seen, after = 0, ""
    report_progress(0, total, note)
    while True:
        with sessions() as session:
            page = session.execute(select(PostedTransaction.id, PostedTransaction.member_id, PostedTransaction.at,
                                          PostedTransaction.body)
                                   .where(*window, PostedTransaction.id > after)
                                   .order_by(PostedTransaction.id).limit(PAGE)).all()
        for transaction_id, member_id, at, body in page:
            if member_id in profiled and transaction_id not in voided:
                visit(member_id, at, [line["sku"] for line in body.get("lines", ()) if line.get("sku")])
        seen += len(page)
        report_progress(seen, total, note)
        if len(page) < PAGE:
            return seen
        after = page[-1][0]


def count_member_baskets(sessions: Callable[[], AbstractContextManager[Session]], since: datetime,
                         until: datetime) -> BasketCounts:
    """Count the profiled members' sale baskets from ``since`` to ``until`` (``read_member_baskets``)."""
    counts = BasketCounts()
    read_member_baskets(sessions, since, until, lambda _member, _at, skus: counts.add(skus))
    return counts


def mine_bundles(sessions: Callable[[], AbstractContextManager[Session]], now: datetime, weeks: int, *,
                 min_together: int, limit: int, discount_bp: int) -> dict:
    """The ranked suggestions over the last ``weeks`` weeks, each with its projected uptake and cost."""
    since = now - timedelta(weeks=min(weeks, MAX_WEEKS))
    counts = count_member_baskets(sessions, since, now)
    suggestions = suggest_bundles(counts, min_together=min_together, limit=limit)
    skus = {sku for s in suggestions for sku in s.skus}
    with sessions() as session:
        products = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}
        return {"since": since.isoformat(), "until": now.isoformat(), "baskets": counts.baskets,
                "discount_bp": discount_bp,
                "suggestions": [_suggestion(s, products, discount_bp) for s in suggestions
                                if all(sku in products for sku in s.skus)]}


def _suggestion(s: BundleSuggestion, products: dict[str, Product], discount_bp: int) -> dict:
    projection = project_bundle(s, {sku: products[sku].base_price_minor for sku in s.skus}, discount_bp)
    return {"skus": list(s.skus), "names": [products[sku].name for sku in s.skus],
            "together": s.together, "support": round(float(s.support), 4),
            "confidence": [round(float(c), 4) for c in s.confidence], "lift": round(float(s.lift), 2),
            "price_minor": projection.price_minor, "saving_per_use_minor": projection.saving_per_use_minor,
            "projected_uses": projection.uses, "projected_cost_minor": projection.cost_minor}


def draft_bundle(session: Session, skus: list[str], price_minor: int, label: str | None, now: datetime,
                 actor: Actor, program: LoyaltyProgram):
    """A draft bundle promotion of one of each product at ``price_minor`` (marketing publishes it)."""
    products = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}
    if unknown := [sku for sku in skus if sku not in products]:
        raise UnknownReference({"skus": [f"no product {', '.join(unknown)}"]})
    definition = DefinitionSchema().load({
        "label": label or " + ".join(products[sku].name for sku in skus) + " bundle",
        "rule": {"kind": "bundle", "price_minor": price_minor,
                 "components": [{"scope": {"skus": [sku]}, "qty": 1} for sku in skus]},
    })
    return create_promotion(session, definition, State.DRAFT, now, actor, program)
