"""Consent to burn: a code the member page shows, given by the member to one partner, used once.

Six digits, valid ``CONSENT_TTL``; kept as a keyed hash. A partner that guesses wrong
``MAX_MISSES`` times for a member kills every open code of that member (they make a new one).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.models import PartnerConsentCode
from server.partners.exceptions import ConsentRefused

CONSENT_TTL = timedelta(minutes=5)
MAX_MISSES = 5


@dataclass(frozen=True)
class ShownCode:
    code: str
    expires_at: datetime


def new_consent_code(session: Session, member_id: uuid.UUID, secret: str, now: datetime) -> ShownCode:
    """A fresh code for the member to give a partner; earlier open codes stop working."""
    session.execute(update(PartnerConsentCode).where(PartnerConsentCode.member_id == member_id,
                                                     PartnerConsentCode.used_at.is_(None))
                    .values(expires_at=now))
    code = f"{secrets.randbelow(10**6):06d}"
    row = PartnerConsentCode(member_id=member_id, code_hash=_hash(secret, member_id, code), created_at=now,
                             expires_at=now + CONSENT_TTL)
    session.add(row)
    session.flush()
    return ShownCode(code, row.expires_at)


def take_consent(session: Session, member_id: uuid.UUID, code: str, partner_id: uuid.UUID, secret: str,
                 now: datetime) -> None:
    """Use up the member's code for this partner's burn; the caller commits (a miss counts too).

    Raises:
        ConsentRefused: no open code of the member matches (wrong, expired, used, or too many misses).
    """
    open_codes = session.scalars(select(PartnerConsentCode).where(
        PartnerConsentCode.member_id == member_id, PartnerConsentCode.used_at.is_(None),
        PartnerConsentCode.expires_at > now).with_for_update()).all()
    wanted = _hash(secret, member_id, code.strip())
    for row in open_codes:
        if row.attempts < MAX_MISSES and hmac.compare_digest(row.code_hash, wanted):
            row.used_at, row.used_by = now, partner_id
            return
    for row in open_codes:
        row.attempts += 1
    raise ConsentRefused("the member's consent code is wrong, used or expired; ask them for a new one")


def _hash(secret: str, member_id: uuid.UUID, code: str) -> str:
    return hmac.new(secret.encode(), f"partner-consent:{member_id}:{code}".encode(), hashlib.sha256).hexdigest()
