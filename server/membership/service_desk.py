"""Member service acts: points adjustments, merging duplicates, GDPR export and erase — all audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from loyalty.adjustments import adjust
from loyalty.cards import CardState
from loyalty.commands import AdjustPoints, MergeAccounts
from loyalty.ledger import LedgerState
from loyalty.merge import merge_accounts
from server.audit import Actor, write_audit
from server.exceptions import Conflict, OneCardError
from server.membership.cards import to_value
from server.membership.erasure import (
    forget_member_page,
    person_of,
    publish_erasure,
    redact,
    rewrite_feed,
    scrub_exceptions,
    scrub_reasons,
    scrub_rejections,
)
from server.membership.ledger import held_points, load_ledger, lock_member, post_entries
from server.membership.members import to_profile
from server.membership.offers import move_clipped_offers
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_cards_of, publish_member
from server.models import (
    Card,
    ClippedOffer,
    ForYouPick,
    Hold,
    LedgerEntry,
    Member,
    MemberMessage,
    Partner,
    PartnerTransaction,
    PostedTransaction,
)


class AdjustmentOverdraws(OneCardError):
    status = 409
    slug = "adjustment-overdraws"
    title = "The adjustment would overdraw the account"


class ReasonRequired(OneCardError):
    status = 422
    slug = "reason-required"
    title = "A reason is required"


def require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise ReasonRequired("say why: the reason is kept in the audit log")
    return reason.strip()


def adjust_points(session: Session, member_id: uuid.UUID, adjustment_id: str, points: int,
                  reason: str, program: LoyaltyProgram, now: datetime, actor: Actor) -> int:
    """Add or remove points by hand, within no limit (the caller checked them); the same adjustment
    id twice is applied once. Returns the balance."""
    reason = require_reason(reason)
    balance, applied = apply_adjustment(session, member_id, adjustment_id, points, reason, program, now,
                                        actor.name)
    if applied:  # a retried request is neither applied nor audited twice
        write_audit(session, at=now, actor=actor, action="points.adjusted", target=str(member_id),
                    reason=reason, details={"points": points, "adjustment_id": adjustment_id})
    return balance


def apply_adjustment(session: Session, member_id: uuid.UUID, adjustment_id: str, points: int, reason: str,
                     program: LoyaltyProgram, now: datetime, made_by: str) -> tuple[int, bool]:
    """Post the adjustment's ledger entry unless it is there already; returns (balance, newly applied).

    Staff never put an account into debt (only a late offline redemption may): points removed must
    be spendable now, after what live holds reserve for sales in progress.

    Raises:
        AdjustmentOverdraws: removing ``-points`` would overdraw the account.
        Conflict: this adjustment id was applied before with other points.
    """
    lock_member(session, member_id)
    # The client's id is unique per member, not chain-wide: scope it, or two members' adjustments
    # with the same client id would derive the same ledger entry id.
    entry = adjust(AdjustPoints(account_id=str(member_id), adjustment_id=f"{member_id}/{adjustment_id}",
                                        points=points, at=now, reason=reason, actor=made_by),
                           program.expiry)
    before = load_ledger(session, member_id)
    applied = next((e for e in before.entries if e.id == entry.id), None)
    if applied is not None:
        if applied.points != points:
            raise Conflict(f"adjustment {adjustment_id} was made before with {applied.points} points")
        return before.state.balance, False
    if points < 0:
        refuse_overdraw(session, member_id, before.state, -points, now)
    ledger = post_entries(session, before, [entry], now)
    publish_member(session, member_id, program, now)
    return ledger.balance, True


def refuse_overdraw(session: Session, member_id: uuid.UUID, state: LedgerState, removing: int,
                     now: datetime) -> None:
    held = held_points(session, member_id, now)
    spendable = state.available(now) - held
    if removing > spendable:
        raise AdjustmentOverdraws(
            f"removing {removing} points would overdraw the account: {max(spendable, 0)} can be removed "
            f"(balance {state.balance}, {held} held for sales in progress)",
            requested=removing, available=max(spendable, 0), balance=state.balance, held=held)


def merge_members(session: Session, survivor_id: uuid.UUID, merged_id: uuid.UUID, reason: str,
                  program: LoyaltyProgram, now: datetime, actor: Actor) -> int:
    """Move the merged-away member's lots (and debt) and cards to the survivor. Returns points moved."""
    reason = require_reason(reason)
    first, second = sorted([survivor_id, merged_id])  # lock in id order: no deadlock between merges
    members = {first: lock_member(session, first), second: lock_member(session, second)}
    survivor, merged = members[survivor_id], members[merged_id]
    merged_ledger = load_ledger(session, merged_id)
    cards = session.scalars(select(Card).where(Card.member_id == merged_id)).all()
    plan = merge_accounts(
        MergeAccounts(survivor_id=str(survivor_id), merged_id=str(merged_id),
                      merge_id=f"merge:{merged_id}", at=now, reason=reason, actor=actor.name),
        to_profile(survivor), to_profile(merged), merged_ledger.state, [to_value(c) for c in cards])
    post_entries(session, merged_ledger, plan.merged_entries, now, allow_debt=True)
    post_entries(session, load_ledger(session, survivor_id), plan.survivor_entries, now,
                 allow_debt=True)
    for card in cards:
        card.member_id = survivor_id
    merged.merged_into = survivor_id
    moved, already_held = move_clipped_offers(session, merged_id, survivor_id)
    # The duplicate's picks described half a history; the next "for you" run picks from the whole.
    session.execute(delete(ForYouPick).where(ForYouPick.member_id == merged_id))
    session.flush()
    publish_member(session, survivor_id, program, now)
    publish_member(session, merged_id, program, now)
    publish_cards_of(session, survivor_id, now)
    write_audit(session, at=now, actor=actor, action="member.merged", target=str(merged_id),
                reason=reason, details={"survivor": str(survivor_id), "points_moved": plan.event.points_moved,
                                        "cards": [c.number for c in cards],
                                        "clipped_offers_moved": moved, "clipped_offers_already_held": already_held})
    return plan.event.points_moved


def export_member(session: Session, member: Member, now: datetime, actor: Actor) -> dict:
    """Everything held about a member, as plain JSON-able data (GDPR access request)."""
    cards = session.scalars(select(Card).where(Card.member_id == member.id)).all()
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == member.id)
                              .order_by(LedgerEntry.at)).all()
    sales = session.scalars(select(PostedTransaction).where(PostedTransaction.member_id == member.id)
                            .order_by(PostedTransaction.at)).all()
    holds = session.scalars(select(Hold).where(Hold.member_id == member.id)).all()
    clipped = session.scalars(select(ClippedOffer).where(ClippedOffer.member_id == member.id)
                              .order_by(ClippedOffer.clipped_at)).all()
    picks = session.scalars(select(ForYouPick).where(ForYouPick.member_id == member.id).order_by(ForYouPick.rank)).all()
    partner = session.execute(select(PartnerTransaction, Partner.code).join(Partner)
                              .where(PartnerTransaction.member_id == member.id).order_by(PartnerTransaction.at)).all()
    messages = session.scalars(select(MemberMessage).where(MemberMessage.member_id == member.id)
                               .order_by(MemberMessage.created_at)).all()
    write_audit(session, at=now, actor=actor, action="member.exported", target=str(member.id))
    return {
        "exported_at": now.isoformat(),
        "profile": {"id": str(member.id), "name": member.name, "phone": member.phone,
                    "email": member.email, "home_store": member.home_store,
                    "created_at_store": member.created_at_store, "consents": member.consents,
                    "notes": member.notes, "tier": member.tier, "created_at": member.created_at.isoformat(),
                    "merged_into": str(member.merged_into) if member.merged_into else None},
        "cards": [{"number": c.number, "kind": c.kind, "state": c.state, "issued_at": c.issued_at.isoformat()}
                  for c in cards],
        "ledger": [{"id": str(e.id), "kind": e.kind, "points": e.points, "at": e.at.isoformat(),
                    "expires_at": e.expires_at.isoformat() if e.expires_at else None,
                    "source_id": e.source_id, "reason": e.reason} for e in entries],
        "transactions": [{"id": t.id, "kind": t.kind, "store": t.store_code, "at": t.at.isoformat(),
                          "total_minor": t.total_minor, "lines": t.body.get("lines", [])} for t in sales],
        "holds": [{"id": str(h.id), "points": h.points, "status": h.status} for h in holds],
        "clipped_offers": [{"promotion_id": str(c.promotion_id), "clipped_at": c.clipped_at.isoformat()}
                           for c in clipped],
        "for_you_picks": [{"sku": p.sku, "reason": p.reason, "because_sku": p.because_sku,
                           "computed_at": p.computed_at.isoformat()} for p in picks],
        "partner_transactions": [{"partner": code, "reference": t.reference, "kind": t.kind, "points": t.points,
                                  "amount_minor": t.amount_minor, "at": t.at.isoformat()} for t, code in partner],
        "messages": [{"promotion_id": str(m.promotion_id), "channel": m.channel, "status": m.status,
                      "sent_at": m.sent_at.isoformat() if m.sent_at else None} for m in messages],
    }


def erase_member(session: Session, member: Member, reason: str, now: datetime, actor: Actor) -> None:
    """Remove personal data everywhere it was copied; ledger entries and sales stay, anonymous, for the books.

    One transaction: the member row, past change-feed payloads (tombstones under the same seq),
    ledger and audit reasons, refused journal items and reconciliation details are scrubbed
    together, and a last change tells every till to drop the member and scrub its own copies.
    The erase's own audit record keeps who, when and which member, and the reason with any
    mention of the person removed.
    """
    reason = require_reason(reason)
    lock_member(session, member.id)
    person = person_of(member)
    cards = list(session.scalars(select(Card.number).where(Card.member_id == member.id)))
    member.name = member.name_search = member.notes = ""
    member.phone = member.email = None
    member.consents = {}
    member.erased_at = now
    session.execute(update(Card).where(Card.member_id == member.id, Card.state == CardState.ACTIVE)
                    .values(state=CardState.BLOCKED, state_changed_at=now))
    session.execute(update(Card).where(Card.member_id == member.id).values(chip_uid=None))
    session.flush()
    rewrite_feed(session, person, cards, now)
    scrub_reasons(session, person, cards)
    scrub_exceptions(session, person)
    forget_member_page(session, member.id)
    publish_erasure(session, person, scrub_rejections(session, person), now)
    publish_cards_of(session, member.id, now)
    write_audit(session, at=now, actor=actor, action="member.erased", target=str(member.id),
                reason=redact(reason, person.pattern()))
