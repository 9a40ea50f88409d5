"""What a member sees of their own account on the member page: card, points, tier, recent sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.cards import CardState
from loyalty.expiry import expiring_by_month
from loyalty.tiers import TierProgress, qualifying_total, tier_progress
from server.exceptions import NotFound
from server.membership.accounts import AccountSummary, account_summary
from server.membership.jobs import qualifying_history
from server.membership.ledger import load_kept
from server.membership.pending import PendingPoints, pending_points
from server.membership.program import LoyaltyProgram
from server.models import Card, Member, PostedTransaction

RECENT_SALES = 20


@dataclass(frozen=True)
class Statement:
    card_number: str | None
    account: AccountSummary
    expiring: tuple[tuple[str, int], ...]
    progress: TierProgress
    pending: PendingPoints


def statement(session: Session, member: Member, program: LoyaltyProgram, now: datetime) -> Statement:
    state = load_kept(session, member.id).state
    total = qualifying_total(qualifying_history(session, member.id, since=now - program.tiers.window), now,
                             program.tiers)
    return Statement(phone_card(session, member), account_summary(session, member, program, now, state),
                     expiring_by_month(state, now, program.expiry.zone),
                     tier_progress(member.tier, total, program.tiers), pending_points(session, member.id))


def phone_card(session: Session, member: Member) -> str | None:
    """The number the phone shows: the member's newest active card."""
    return session.scalars(select(Card.number).where(Card.member_id == member.id, Card.state == CardState.ACTIVE)
                           .order_by(Card.issued_at.desc(), Card.number).limit(1)).first()


def recent_sales(session: Session, member: Member, limit: int = RECENT_SALES) -> list[PostedTransaction]:
    return list(session.scalars(select(PostedTransaction).where(PostedTransaction.member_id == member.id)
                                .order_by(PostedTransaction.at.desc(), PostedTransaction.id).limit(limit)))


def own_sale(session: Session, member: Member, transaction_id: str) -> PostedTransaction:
    """One of the member's own sales (another's is as unknown as one that does not exist)."""
    sale = session.get(PostedTransaction, transaction_id)
    if sale is None or sale.member_id != member.id:
        raise NotFound(f"no sale {transaction_id} on your card")
    return sale
