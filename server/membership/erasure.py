"""Erasing a member: every copy of their personal data, scrubbed in the erase's own transaction.

Personal data here is the member's name, phone, e-mail and notes. Besides the member row it may
sit in: past change-feed payloads (any till reading from cursor 0 would see them), free-text
reasons in their ledger entries and in audit records about them or their cards, rejected journal
items (an enrolment's body), and the detail text of rejected items and reconciliation exceptions.
Ledger entries, sales and exceptions themselves stay, for the books; only the words go. What the
member page kept for them (offers clipped to the card, sign-in codes, consent codes for partners)
and their messages in the outbox (sent or not: a notice still pending never goes) are deleted
outright.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.orm import Session

from server.db import signal_on_commit
from server.membership.search import LIKE_ESCAPE, escape_like
from server.models import (
    AdjustmentRequest,
    AuditRecord,
    Card,
    ChangeRecord,
    ClippedOffer,
    ForYouPick,
    JournalRejection,
    LedgerEntry,
    Member,
    MemberMessage,
    PartnerConsentCode,
    PostedTransaction,
    ReconciliationException,
    SignInCode,
)
from server.sync import record_change
from server.sync.recorder import FEED_REWRITTEN
from store_sync.entities import Entity, ErasedMemberPayload
from store_sync.feed import Op
from store_sync.journal import ItemType

ERASED = "[erased]"
# The fields of an enrolment body that hold personal data (store_sync.journal.EnrolmentBodySchema).
_PERSONAL_FIELDS = ("name", "phone", "email")
_PHONE_NOISE = r"[\s\-().]*"
_BATCH = 500


@dataclass(frozen=True)
class Person:
    """What identifies the member in free text, read before the member row is blanked."""

    member_id: uuid.UUID
    name: str
    phone: str | None
    email: str | None

    def pattern(self) -> re.Pattern[str] | None:
        """Matches the name (any case and spacing), the e-mail and the phone (any punctuation)."""
        parts = []
        if self.name.strip():
            parts.append(r"\s+".join(re.escape(word) for word in self.name.split()))
        if self.email:
            parts.append(re.escape(self.email))
        if self.phone:
            digits = [d for d in self.phone if d.isdigit()]
            parts.append(r"\+?" + _PHONE_NOISE.join(digits))
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def person_of(member: Member) -> Person:
    return Person(member.id, member.name, member.phone, member.email)


def redact(text: str | None, pattern: re.Pattern[str] | None) -> str | None:
    """``text`` with every mention of the person replaced by a neutral mark."""
    if not text or pattern is None:
        return text
    return pattern.sub(ERASED, text)


def rewrite_feed(session: Session, person: Person, card_numbers: Iterable[str], now: datetime) -> None:
    """Replace every past member change with a tombstone, keep card changes only at the cards' new state.

    Sequence numbers stay, so every cursor a till holds stays valid; a till reading those rows
    again sees deletes, which it applies idempotently. Full pages kept for tills are cleared once
    this commits (server.sync.page_cache), so none serves the old rows again.
    """
    signal_on_commit(session, FEED_REWRITTEN)
    tombstone = ErasedMemberPayload().dump({"id": str(person.member_id), "erased": True, "journal_items": []})
    session.execute(update(ChangeRecord).where(ChangeRecord.entity_type == Entity.MEMBER.value,
                                               ChangeRecord.entity_id == str(person.member_id))
                    .values(op=Op.DELETE.value, payload=tombstone))
    for card in session.scalars(select(Card).where(Card.number.in_(list(card_numbers)))):
        session.execute(update(ChangeRecord).where(ChangeRecord.entity_type == Entity.CARD.value,
                                                   ChangeRecord.entity_id == card.number)
                        .values(payload={"number": card.number, "member_id": str(card.member_id),
                                         "state": card.state, "chip_uid": None}))


def publish_erasure(session: Session, person: Person, journal_items: list[str], now: datetime) -> None:
    """Tell every till to drop the member and scrub them (and these journal items) from its own records."""
    record_change(session, entity_type=Entity.MEMBER, entity_id=str(person.member_id), op=Op.DELETE, now=now,
                  payload=ErasedMemberPayload().dump({"id": str(person.member_id), "erased": True,
                                                      "journal_items": sorted(journal_items)}))


def scrub_reasons(session: Session, person: Person, card_numbers: list[str]) -> None:
    """Neutral text for the reasons in the member's ledger, their adjustment requests, and audit records
    about them or their cards."""
    member_id = person.member_id
    session.execute(update(AdjustmentRequest).where(AdjustmentRequest.member_id == member_id)
                    .values(reason=ERASED, decision_reason=case(
                        (AdjustmentRequest.decision_reason.is_(None), None), else_=ERASED)))
    session.execute(update(LedgerEntry).where(or_(
        LedgerEntry.member_id == member_id, LedgerEntry.source_id == f"merge:{member_id}"))
        .values(reason=ERASED))
    session.execute(update(AuditRecord).where(AuditRecord.target.in_([str(member_id), *card_numbers]),
                                              AuditRecord.reason.is_not(None))
                    .values(reason=ERASED))


def scrub_rejections(session: Session, person: Person) -> list[str]:
    """Blank the person in refused journal items (bodies and details); returns the items' ids."""
    pattern, changed = person.pattern(), []
    for row in session.scalars(select(JournalRejection).order_by(JournalRejection.id)
                               .execution_options(yield_per=_BATCH)):
        body = _scrub_body(row.item_type, row.body, person, pattern)
        detail = redact(row.detail, pattern)
        if body != row.body or detail != row.detail:
            changed.append((row, body, detail))
    for row, body, detail in changed:  # written after the read: no flush while the rows stream in
        row.body, row.detail = body, detail
    return [row.item_id for row, _, _ in changed]


def _scrub_body(item_type: str, body: Any, person: Person, pattern: re.Pattern[str] | None) -> Any:
    if item_type == ItemType.ENROLMENT.value and isinstance(body, dict) and _names(body, person, pattern):
        return {**body, **{key: None for key in _PERSONAL_FIELDS if key in body}}
    return _redact_json(body, pattern)


def _names(body: dict, person: Person, pattern: re.Pattern[str] | None) -> bool:
    """An enrolment of this member, or one naming them (a refused second enrolment of the same person)."""
    if str(body.get("member_id")) == str(person.member_id):
        return True
    return pattern is not None and any(isinstance(body.get(key), str) and pattern.search(body[key])
                                       for key in _PERSONAL_FIELDS)


def _redact_json(value: Any, pattern: re.Pattern[str] | None) -> Any:
    if isinstance(value, str):
        return redact(value, pattern)
    if isinstance(value, dict):
        return {key: _redact_json(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_json(item, pattern) for item in value]
    return value


def scrub_exceptions(session: Session, person: Person) -> None:
    """Remove mentions of the person from reconciliation details (figures and kinds stay)."""
    pattern = person.pattern()
    if pattern is None:
        return
    theirs = select(PostedTransaction.id).where(PostedTransaction.member_id == person.member_id)
    for row in session.scalars(select(ReconciliationException).where(or_(
            ReconciliationException.transaction_id.in_(theirs), *_mentions(person)))):
        row.detail = redact(row.detail, pattern)
        if row.resolution_note:
            row.resolution_note = redact(row.resolution_note, pattern)


def _mentions(person: Person):
    """SQL conditions for a detail that may mention the person (the regex decides)."""
    needles = [*person.name.split()[-1:], *([person.email] if person.email else []),
               *([person.phone[-6:]] if person.phone else [])]
    return [ReconciliationException.detail.ilike(f"%{escape_like(n)}%", escape=LIKE_ESCAPE) for n in needles]


def forget_member_page(session: Session, member_id: uuid.UUID) -> None:
    """Delete the offers the member clipped, their "for you" picks, their sign-in codes (open ones can
    no longer sign in), their consent codes for partners and their messages in the outbox."""
    session.execute(delete(ClippedOffer).where(ClippedOffer.member_id == member_id))
    session.execute(delete(ForYouPick).where(ForYouPick.member_id == member_id))
    session.execute(delete(SignInCode).where(SignInCode.member_id == member_id))
    session.execute(delete(PartnerConsentCode).where(PartnerConsentCode.member_id == member_id))
    session.execute(delete(MemberMessage).where(MemberMessage.member_id == member_id))
