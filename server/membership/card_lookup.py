"""A card look-up, the till's most frequent question, answered in one statement: the card, its
member, the kept balance's figures and the live holds' sum are read together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.exceptions import NotFound
from server.membership.accounts import AccountSummary, summary_of
from server.membership.balances import FIGURE_COLUMNS, figures_from
from server.membership.ledger import held_sum
from server.membership.program import LoyaltyProgram
from server.models import Card, Member, MemberBalance


def look_up_card(session: Session, program: LoyaltyProgram, number: str,
                 now: datetime) -> tuple[Card, Member, AccountSummary]:
    """The card, its member and what the member can spend at ``now``; NotFound for either missing.

    The same figures as ``cards.get_card``, ``members.get_member`` and ``accounts.account_summary``
    read one after another (tests/integration/membership hold them equal).
    """
    number = program.card_scheme.validate(number)
    held = held_sum(Card.member_id, now).scalar_subquery()
    row = session.execute(
        select(Card, Member, *FIGURE_COLUMNS, held)
        .outerjoin(Member, Member.id == Card.member_id)
        .outerjoin(MemberBalance, MemberBalance.member_id == Card.member_id)
        .where(Card.number == number)).first()
    if row is None:
        raise NotFound(f"no card {number}")
    card, member, *figures, held_points = row
    if member is None:
        raise NotFound(f"no member {card.member_id}")
    summary = summary_of(member, program, now, figures_from(session, member.id, tuple(figures), now),
                         int(held_points))
    return card, member, summary
