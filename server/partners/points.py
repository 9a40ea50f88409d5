"""Points a partner issues on its sales (earn) or takes as payment with the member's consent (burn).

Each is one ledger entry whose id comes from the partner's own reference, so a retried request
posts nothing twice and answers as the first time; the same reference with other figures is a 409.
The answers carry the points and their value, never the member's name, balance or history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.cards import require_usable_card
from loyalty.entries import Entry, EntryKind
from loyalty.exceptions import InsufficientPoints
from loyalty.ids import entry_id
from server.exceptions import Conflict
from server.membership.accounts import account_summary
from server.membership.cards import get_card
from server.membership.ledger import load_kept, lock_member, post_entries
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_member
from server.models import Member, Partner, PartnerTransaction
from server.partners.consent import take_consent
from server.partners.exceptions import NotEnoughPoints
from server.partners.keys import Scope, terms_of


@dataclass(frozen=True)
class PartnerResult:
    reference: str
    kind: str
    points: int
    value_minor: int


def earn(session: Session, partner: Partner, reference: str, card_number: str, amount_minor: int,
         program: LoyaltyProgram, now: datetime) -> PartnerResult:
    """Credit the points the partner's sale of ``amount_minor`` earns (its terms); they expire like any earned."""
    member = _member(session, program, card_number)
    done = _replayed(session, partner, reference, Scope.EARN, card_number, amount_minor)
    if done is not None:
        return done
    lock_member(session, member.id)
    points = terms_of(partner).points_for(amount_minor)
    entries = [Entry(entry_id(_source(partner, reference), "earn"), str(member.id), EntryKind.EARN, points, now,
                     program.expiry.expires_at(now), source_id=_source(partner, reference))] if points else []
    return _record(session, partner, reference, Scope.EARN, member, card_number, amount_minor, points, entries,
                   program, now)


def burn(session: Session, partner: Partner, reference: str, card_number: str, points: int, consent_code: str,
         program: LoyaltyProgram, secret: str, now: datetime) -> PartnerResult:
    """Take ``points`` as payment at the partner, once the member's consent code checks out.

    Raises:
        ConsentRefused: the code is wrong, used or expired (the miss is committed before raising).
        NotEnoughPoints: the member cannot spend that many now.
    """
    member = _member(session, program, card_number)
    done = _replayed(session, partner, reference, Scope.BURN, card_number, points)
    if done is not None:
        return done
    lock_member(session, member.id)
    take_consent(session, member.id, consent_code, partner.id, secret, now)
    if points > account_summary(session, member, program, now).available:  # live holds count, as at a till
        raise NotEnoughPoints(f"the member cannot spend {points} points now")
    source = _source(partner, reference)
    entry = Entry(entry_id(source, "redeem"), str(member.id), EntryKind.REDEEM, -points, now, source_id=source)
    try:
        return _record(session, partner, reference, Scope.BURN, member, card_number, points, points, [entry],
                       program, now)
    except InsufficientPoints:
        raise NotEnoughPoints(f"the member cannot spend {points} points now") from None


def _member(session: Session, program: LoyaltyProgram, card_number: str) -> Member:
    card = get_card(session, program, card_number)
    require_usable_card(card.number, card.state)
    return session.get(Member, card.member_id)


def _source(partner: Partner, reference: str) -> str:
    return f"partner:{partner.code}:{reference}"


def _replayed(session: Session, partner: Partner, reference: str, scope: Scope, card_number: str,
              figure: int) -> PartnerResult | None:
    row = session.scalar(select(PartnerTransaction).where(PartnerTransaction.partner_id == partner.id,
                                                          PartnerTransaction.reference == reference))
    if row is None:
        return None
    if (row.kind, row.card_number, row.amount_minor) != (scope.value, card_number, figure):
        raise Conflict(f"reference {reference} was used already for another request")
    return _result(partner, row)


def _record(session: Session, partner: Partner, reference: str, scope: Scope, member: Member, card_number: str,
            figure: int, points: int, entries: list[Entry], program: LoyaltyProgram, now: datetime) -> PartnerResult:
    if entries:
        post_entries(session, load_kept(session, member.id, for_update=True), entries, now)
        publish_member(session, member.id, program, now)
    row = PartnerTransaction(partner_id=partner.id, reference=reference, kind=scope.value, member_id=member.id,
                             card_number=card_number, amount_minor=figure, points=points, at=now)
    session.add(row)
    session.flush()
    return _result(partner, row)


def _result(partner: Partner, row: PartnerTransaction) -> PartnerResult:
    value = terms_of(partner).value_of(row.points) if row.kind == Scope.BURN.value else 0
    return PartnerResult(row.reference, row.kind, row.points, value)
