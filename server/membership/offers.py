"""Personal offers: promotions marked ``clip`` that a member sees on their page and clips to their card.

An offer is offered to the members its targeting reaches (``promotions.in_audience``, the engine's
own rule) while it is live and not over. Clipping records the pair and republishes the member's
snapshot, so a till prices the offer online (the quote reads the clipped offers) and offline (the
snapshot lists them) with the same engine check. An offer made for a product's "for you" members
(``server.pricing.for_you``) says why it was picked for the member, from their own picks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from promotions import Member, Promotion, in_audience
from promotions.for_you import Reason
from server.exceptions import NotFound
from server.membership.clipped import segments_and_clipped
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_member
from server.models import ClippedOffer, ForYouPick, Product, Segment
from server.models import Member as MemberRow
from server.pricing.catalogues import LiveCatalogue


@dataclass(frozen=True)
class PersonalOffer:
    promotion_id: str
    label: str
    starts: datetime | None
    ends: datetime | None
    stores: tuple[str, ...]
    clipped: bool
    why: str | None = None  # for an offer made from the member's "for you" picks: the reason in words


def personal_offers(session: Session, member: MemberRow, live: LiveCatalogue, now: datetime) -> list[PersonalOffer]:
    """The clip offers live for ``member`` now or later, ending soonest first."""
    segments, clipped = segments_and_clipped(session, member.id)
    who = Member(str(member.id), member.tier, segments)
    offers = [p for p in live.catalogue if _offered(p, who, now)]
    offers.sort(key=lambda p: (p.window.end is None, p.window.end or now, p.label))
    why = _why(session, member, offers)
    return [PersonalOffer(p.promotion_id, p.label, p.window.start, p.window.end, tuple(sorted(p.stores)),
                          p.promotion_id in clipped, why.get(p.promotion_id)) for p in offers]


def _why(session: Session, member: MemberRow, offers: list[Promotion]) -> dict[str, str]:
    """Why each offer targeting a "for you" segment was picked for this member, from their own picks."""
    segment_ids = {uuid.UUID(s) for p in offers for s in p.targeting.segments}
    if not segment_ids or not (member.consents or {}).get("profiling"):
        return {}
    for_you = {str(seg.id): seg.rule["for_you"] for seg in session.scalars(select(Segment).where(
        Segment.id.in_(segment_ids))) if (seg.rule or {}).get("for_you")}
    picks = {p.sku: p for p in session.scalars(select(ForYouPick).where(ForYouPick.member_id == member.id))}
    names = dict(session.execute(select(Product.sku, Product.name).where(
        Product.sku.in_([p.because_sku for p in picks.values() if p.because_sku]))).all())
    found = {}
    for offer in offers:
        for segment in offer.targeting.segments:
            pick = picks.get(for_you.get(segment, ""))
            if pick is not None:
                found[offer.promotion_id] = _reason_text(pick, names)
    return found


def _offered(promotion: Promotion, member: Member, now: datetime) -> bool:
    not_over = promotion.window.end is None or promotion.window.end > now
    return promotion.targeting.clip and not_over and in_audience(promotion, member)


def _reason_text(pick: ForYouPick, names: dict[str, str]) -> str:
    if pick.reason == Reason.COMPLEMENT.value:
        return f"Picked for you: it goes with the {names.get(pick.because_sku, pick.because_sku)} you buy."
    return "Picked for you: you used to buy it."


def clip_offer(session: Session, member: MemberRow, promotion_id: str, live: LiveCatalogue,
               program: LoyaltyProgram, now: datetime) -> PersonalOffer:
    """Clip one of the member's offers to their card (clipping it again changes nothing).

    Raises:
        NotFound: no live personal offer with this id is offered to this member.
    """
    offer = _find(session, member, promotion_id, live, now)
    if not offer.clipped:
        session.add(ClippedOffer(member_id=member.id, promotion_id=uuid.UUID(offer.promotion_id), clipped_at=now))
        session.flush()
        publish_member(session, member.id, program, now)
    return PersonalOffer(**{**offer.__dict__, "clipped": True})


def unclip_offer(session: Session, member: MemberRow, promotion_id: str, live: LiveCatalogue,
                 program: LoyaltyProgram, now: datetime) -> PersonalOffer:
    """Take a clipped offer off the card again."""
    offer = _find(session, member, promotion_id, live, now)
    if offer.clipped:
        session.execute(delete(ClippedOffer).where(ClippedOffer.member_id == member.id,
                                                   ClippedOffer.promotion_id == uuid.UUID(offer.promotion_id)))
        publish_member(session, member.id, program, now)
    return PersonalOffer(**{**offer.__dict__, "clipped": False})


def _find(session: Session, member: MemberRow, promotion_id: str, live: LiveCatalogue,
          now: datetime) -> PersonalOffer:
    for offer in personal_offers(session, member, live, now):
        if offer.promotion_id == promotion_id:
            return offer
    raise NotFound(f"no personal offer {promotion_id} for this member")


def move_clipped_offers(session: Session, from_id: uuid.UUID, to_id: uuid.UUID) -> tuple[list[str], list[str]]:
    """Give ``to_id`` the offers ``from_id`` clipped (a merge); returns (moved, already held) promotion ids.

    An offer both had clipped stays once, as the survivor clipped it; the duplicate's row goes. A
    moved clip still applies only while the offer's targeting reaches the survivor (the engine asks).
    """
    held = set(session.scalars(select(ClippedOffer.promotion_id).where(ClippedOffer.member_id == to_id)))
    moved, kept = [], []
    for row in clipped_rows(session, from_id):
        (kept if row.promotion_id in held else moved).append(str(row.promotion_id))
        if row.promotion_id in held:
            session.delete(row)
        else:
            row.member_id = to_id
    session.flush()
    return moved, kept


def clipped_rows(session: Session, member_id: uuid.UUID) -> list[ClippedOffer]:
    return list(session.scalars(select(ClippedOffer).where(ClippedOffer.member_id == member_id)
                                .order_by(ClippedOffer.clipped_at)))
