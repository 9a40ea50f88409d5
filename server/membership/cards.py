"""Cards: issue, block, report lost, replace, and the look-up tills and staff make."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.commands import ChangeCardState, ReplaceCard
from loyalty.members import Card as CardValue
from loyalty.members import CardKind, CardState, change_card_state, replace_card
from server.audit import Actor, write_audit
from server.db import first_write_wins
from server.exceptions import Conflict, NotFound
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_card
from server.models import Card, Member


def to_value(card: Card) -> CardValue:
    return CardValue(number=card.number, member_id=str(card.member_id), kind=CardKind(card.kind),
                     state=CardState(card.state), chip_uid=card.chip_uid,
                     replaced_by=card.replaced_by)


def new_card_number(session: Session, program: LoyaltyProgram) -> str:
    """A random serial in the chain's range: unguessable, and no counter row for tills to fight over."""
    scheme = program.card_scheme
    for _ in range(20):
        number = scheme.number_for(secrets.randbelow(10**scheme.serial_digits))
        if session.get(Card, number) is None:
            return number
    raise Conflict("could not find a free card number; the card range is nearly full")


def issue_card(session: Session, member: Member, program: LoyaltyProgram, now: datetime,
               actor: Actor, *, number: str | None = None, kind: str = CardKind.PRINTED.value,
               chip_uid: str | None = None) -> Card:
    """Issue a card (a given pre-printed number, or a new one) to ``member``."""
    number = program.card_scheme.validate(number) if number else new_card_number(session, program)
    if session.get(Card, number) is not None:
        raise Conflict(f"card {number} is already issued")
    if chip_uid and session.scalar(select(Card.number).where(Card.chip_uid == chip_uid)):
        raise Conflict(f"chip {chip_uid} is already registered to another card")
    card = Card(number=number, member_id=member.id, kind=CardKind(kind).value,
                state=CardState.ACTIVE.value, chip_uid=chip_uid, issued_at=now, state_changed_at=now)
    # One pre-printed card handed to two people at two tills at once: the second is a conflict, not a 500.
    card, added = first_write_wins(session, lambda: _added(session, card), lambda: session.get(Card, number))
    if not added:
        raise Conflict(f"card {number} is already issued")
    publish_card(session, card, now)
    write_audit(session, at=now, actor=actor, action="card.issued", target=number,
                details={"member_id": str(member.id), "kind": card.kind})
    return card


def _added(session: Session, card: Card) -> Card:
    session.add(card)
    session.flush()
    return card


def get_card(session: Session, program: LoyaltyProgram, number: str) -> Card:
    number = program.card_scheme.validate(number)
    card = session.get(Card, number)
    if card is None:
        raise NotFound(f"no card {number}")
    return card


def get_card_and_member(session: Session, program: LoyaltyProgram, number: str) -> tuple[Card, Member]:
    """``get_card`` and the card's member, in one statement; none when the session holds the card
    already (a sale being posted has read it and locked its member)."""
    number = program.card_scheme.validate(number)
    card = session.identity_map.get(session.identity_key(Card, number))
    if card is not None:
        return card, session.get(Member, card.member_id)
    found = session.execute(select(Card, Member).join(Member, Member.id == Card.member_id)
                            .where(Card.number == number)).first()
    if found is None:
        raise NotFound(f"no card {number}")
    card, member = found
    return card, member


def change_state(session: Session, card: Card, to_state: str, reason: str, now: datetime,
                 actor: Actor) -> Card:
    """Block, unblock or report lost; the domain decides which moves are allowed."""
    updated, changed = change_card_state(to_value(card), ChangeCardState(
        number=card.number, to_state=to_state, at=now, reason=reason, actor=actor.name))
    card.state, card.state_changed_at = updated.state.value, now
    publish_card(session, card, now)
    # The audit record is the domain's event: what changed, from what, when and why.
    write_audit(session, at=changed.at, actor=actor, action=f"card.{changed.to_state}", target=changed.number,
                reason=changed.reason, details={"from_state": changed.from_state, "member_id": changed.member_id})
    return card


def replace(session: Session, card: Card, program: LoyaltyProgram, reason: str, now: datetime,
            actor: Actor, new_number: str | None = None) -> Card:
    """Issue a new card for the same member; the old number is blocked everywhere for good."""
    number = program.card_scheme.validate(new_number) if new_number else new_card_number(session, program)
    if session.get(Card, number) is not None:
        raise Conflict(f"card {number} is already issued")
    old, new, replaced = replace_card(to_value(card), ReplaceCard(
        old_number=card.number, new_number=number, at=now, reason=reason, actor=actor.name))
    card.state, card.replaced_by, card.state_changed_at = old.state.value, number, now
    replacement = Card(number=new.number, member_id=card.member_id, kind=new.kind.value,
                       state=new.state.value, issued_at=now, state_changed_at=now)
    session.add(replacement)
    publish_card(session, card, now)
    publish_card(session, replacement, now)
    # The audit record is the domain's event: which card took over from which, and why.
    write_audit(session, at=replaced.at, actor=actor, action="card.replaced", target=replaced.old_number,
                reason=replaced.reason, details={"new_number": replaced.new_number,
                                                 "member_id": replaced.member_id})
    return replacement
