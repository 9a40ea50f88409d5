"""A card look-up, the till's most frequent question, answered in one statement: the card, its
member, the kept balance's figures and the live holds' sum are read together.

The statement is built once, with the card number and the instant as bound parameters, and runs
on the session's connection as plain columns: no ORM objects are built for a question that only
reads a dozen values (building the statement and the objects per request cost more CPU than the
round trip, and the look-up is the till's most frequent request).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from server.exceptions import NotFound
from server.membership.accounts import AccountSummary, summary_of
from server.membership.balances import FIGURE_COLUMNS, figures_from
from server.membership.ledger import HELD
from server.membership.program import LoyaltyProgram
from server.models import Card, Hold, Member, MemberBalance


@dataclass(frozen=True)
class CardSeen:
    """The card's fields the look-up answers with (``CardSchema``)."""

    number: str
    kind: str
    state: str
    replaced_by: str | None
    issued_at: datetime


@dataclass(frozen=True)
class MemberSeen:
    """The member's fields the look-up answers with (``MemberBriefSchema``)."""

    id: uuid.UUID
    name: str
    tier: str
    home_store: str | None


@dataclass(frozen=True)
class CardLookup:
    card: CardSeen
    member: MemberSeen
    account: AccountSummary


# The live holds' sum as ``ledger.held_sum`` reads it, for the card's member, at the bound instant.
_HELD = (select(func.coalesce(func.sum(Hold.points), 0))
         .where(Hold.member_id == Card.member_id, Hold.status == HELD, Hold.expires_at > bindparam("now"))
         .scalar_subquery())
_LOOK_UP = (select(Card.number, Card.kind, Card.state, Card.replaced_by, Card.issued_at, Card.member_id,
                   Member.id, Member.name, Member.tier, Member.home_store, *FIGURE_COLUMNS, _HELD)
            .outerjoin(Member, Member.id == Card.member_id)
            .outerjoin(MemberBalance, MemberBalance.member_id == Card.member_id)
            .where(Card.number == bindparam("number")))


def look_up_card(session: Session, program: LoyaltyProgram, number: str, now: datetime) -> CardLookup:
    """The card, its member and what the member can spend at ``now``; NotFound for either missing.

    The same figures as ``cards.get_card``, ``members.get_member`` and ``accounts.account_summary``
    read one after another (tests/integration/membership hold them equal).
    """
    number = program.card_scheme.validate(number)
    row = session.connection().execute(_LOOK_UP, {"number": number, "now": now}).first()
    if row is None:
        raise NotFound(f"no card {number}")
    card_number, kind, state, replaced_by, issued_at, member_ref, member_id, name, tier, home_store = row[:10]
    *figures, held_points = row[10:]
    if member_id is None:
        raise NotFound(f"no member {member_ref}")
    member = MemberSeen(member_id, name, tier, home_store)
    summary = summary_of(member_id, tier, program, now, figures_from(session, member_id, tuple(figures), now),
                         int(held_points))
    return CardLookup(CardSeen(card_number, kind, state, replaced_by, issued_at), member, summary)
