"""Members sign in with a one-time code sent to their e-mail address or phone; there are no passwords.

A code is six digits, lives ``CODE_TTL``, works once, and is kept only as a keyed hash (HMAC with
the server's secret over the code's id and digits), so a copy of the database signs nobody in.
A member may be sent ``CODES_PER_WINDOW`` codes per ``RATE_WINDOW``; a code is dead after
``MAX_ATTEMPTS`` wrong guesses. One client address may ask for a limited number of codes per
``RATE_WINDOW`` too, whatever addresses it names (``check_client_address``): a script walking
through phone numbers sends few texts, and the count is shared by every worker. Asking for a code
for an address no member has looks the same to the asker as asking for one that exists (nothing is
sent), so the form tells nobody who is a member.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from loyalty.contacts import normalize_email, normalize_phone
from loyalty.exceptions import InvalidEmail, InvalidPhone
from server.auth.rate_limit import HitCounter, RateLimit
from server.exceptions import OneCardError, TooManyAttempts
from server.messaging.channels import Channel, Sender
from server.models import Member, SignInCode

CODE_TTL = timedelta(minutes=10)
RATE_WINDOW = timedelta(minutes=15)
CODES_PER_WINDOW = 3
MAX_ATTEMPTS = 5
DIGITS = 6


class UnreadableContact(OneCardError):
    status = 422
    slug = "unreadable-contact"
    title = "Not an e-mail address or phone number"


@dataclass(frozen=True)
class Contact:
    channel: Channel
    address: str


@dataclass(frozen=True)
class Challenge:
    """What the member's browser holds between asking for a code and typing it."""

    code_id: uuid.UUID
    channel: Channel


def read_contact(raw: str) -> Contact:
    """An e-mail address (anything with an @) or an international phone number, normalised."""
    text = raw.strip()
    try:
        if "@" in text:
            return Contact(Channel.EMAIL, normalize_email(text))
        return Contact(Channel.SMS, normalize_phone(text))
    except (InvalidEmail, InvalidPhone) as exc:
        raise UnreadableContact("give the e-mail address or the phone number (with its country code, "
                                "such as +44) you gave when you joined") from exc


def member_by_contact(session: Session, contact: Contact) -> Member | None:
    """The member in good standing with this address (e-mail compared without case)."""
    active = select(Member).where(Member.erased_at.is_(None), Member.merged_into.is_(None))
    if contact.channel is Channel.EMAIL:
        stmt = active.where(func.lower(Member.email) == contact.address.lower())
    else:
        stmt = active.where(Member.phone == contact.address)
    return session.scalars(stmt.order_by(Member.created_at).limit(1)).first()


def check_client_address(counter: HitCounter, remote_addr: str | None, limit: int, now: datetime) -> None:
    """Count a request for a code from ``remote_addr`` (known members or not).

    Raises:
        TooManyAttempts: this address asked for more than ``limit`` codes in this ``RATE_WINDOW``.
    """
    RateLimit("sign-in-code", limit, RATE_WINDOW).check(
        counter, remote_addr or "unknown", now,
        "many sign-in codes were asked for from this network lately; try again later")


def request_code(session: Session, contact: Contact, sender: Sender, secret: str, now: datetime) -> Challenge:
    """Send a new code to ``contact`` if a member has that address; the caller commits.

    Raises:
        TooManyAttempts: this member was sent ``CODES_PER_WINDOW`` codes in the last ``RATE_WINDOW``.
        MessageNotSent: the mail server or SMS gateway did not take the message.
    """
    member = member_by_contact(session, contact)
    if member is None:
        return Challenge(uuid.uuid4(), contact.channel)  # verifies nothing: no row has this id
    recent = sorted(session.scalars(select(SignInCode.created_at).where(
        SignInCode.member_id == member.id, SignInCode.created_at > now - RATE_WINDOW)))
    if len(recent) >= CODES_PER_WINDOW:
        wait = recent[len(recent) - CODES_PER_WINDOW] + RATE_WINDOW - now
        raise TooManyAttempts(f"{CODES_PER_WINDOW} codes were sent in the last "
                              f"{int(RATE_WINDOW.total_seconds() // 60)} minutes; use the newest one, "
                              "or ask again later", retry_after=max(1, int(wait.total_seconds()) + 1))
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    row = SignInCode(member_id=member.id, channel=contact.channel.value, code_hash="", created_at=now,
                     expires_at=now + CODE_TTL)
    session.add(row)
    session.flush()
    row.code_hash = code_hash(secret, row.id, code)
    minutes = int(CODE_TTL.total_seconds() // 60)
    address = member.email if contact.channel is Channel.EMAIL else member.phone  # as the member gave it
    sender.send(address, "Your OneCard sign-in code",
                f"{code} is your OneCard sign-in code. It works once, for {minutes} minutes. "
                "If you did not ask for it, ignore this message.")
    return Challenge(row.id, contact.channel)


def redeem_code(session: Session, challenge_id: uuid.UUID, code: str, secret: str,
                now: datetime) -> uuid.UUID | None:
    """The member the code signs in, or None; the caller commits either way (a wrong guess counts).

    A right code is used up together with every other open code of the member.
    """
    row = session.scalars(select(SignInCode).where(SignInCode.id == challenge_id).with_for_update()).first()
    if row is None or row.used_at is not None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
        return None
    if not hmac.compare_digest(row.code_hash, code_hash(secret, row.id, code.strip())):
        row.attempts += 1
        return None
    session.execute(update(SignInCode).where(SignInCode.member_id == row.member_id, SignInCode.used_at.is_(None))
                    .values(used_at=now))
    member = session.get(Member, row.member_id)
    if member is None or member.erased_at is not None or member.merged_into is not None:
        return None
    return row.member_id


def code_hash(secret: str, code_id: uuid.UUID, code: str) -> str:
    return hmac.new(secret.encode(), f"sign-in:{code_id}:{code}".encode(), hashlib.sha256).hexdigest()
