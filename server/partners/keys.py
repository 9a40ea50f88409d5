"""Partners and their API keys: ``<key id>.<secret>``, scoped to earn and/or burn; only a hash is kept.

The secret is 32 random bytes, so a plain SHA-256 of it is as good as a slow hash (nothing to guess).
Every request reads its key's row (no worker keeps a copy), so a key revoked and committed is
refused by every worker from its next request on. Creating a partner, issuing and revoking a key
are audited here, whichever door (API, back office, CLI) they came through; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.partners import PartnerTerms
from server.audit import Actor, write_audit
from server.exceptions import Conflict, Forbidden, NotFound, Unauthorized
from server.models import Partner, PartnerKey


class Scope(StrEnum):
    EARN = "earn"
    BURN = "burn"


@dataclass(frozen=True)
class IssuedKey:
    key: str  # shown once
    key_id: str
    scopes: tuple[str, ...]


def create_partner(session: Session, code: str, name: str, terms: PartnerTerms, now: datetime,
                   actor: Actor) -> Partner:
    if session.scalar(select(Partner.id).where(Partner.code == code)) is not None:
        raise Conflict(f"a partner {code} exists already")
    partner = Partner(code=code, name=name, points_per_unit=terms.points_per_unit, unit_minor=terms.unit_minor,
                      issue_price_per_100=terms.issue_price_per_100,
                      redeem_value_per_100=terms.redeem_value_per_100, created_at=now)
    session.add(partner)
    session.flush()
    write_audit(session, at=now, actor=actor, action="partner.created", target=partner.code)
    return partner


def list_partners(session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.code)))


def get_partner(session: Session, code: str) -> Partner:
    partner = session.scalar(select(Partner).where(Partner.code == code))
    if partner is None:
        raise NotFound(f"no partner {code}")
    return partner


def terms_of(partner: Partner) -> PartnerTerms:
    return PartnerTerms(partner.points_per_unit, partner.unit_minor, partner.issue_price_per_100,
                        partner.redeem_value_per_100)


def partner_keys(session: Session, partner: Partner) -> list[PartnerKey]:
    """The partner's keys, live ones first, newest first within each."""
    return list(session.scalars(select(PartnerKey).where(PartnerKey.partner_id == partner.id)
                                .order_by(PartnerKey.revoked_at.is_not(None), PartnerKey.created_at.desc(),
                                          PartnerKey.key_id)))


def issue_key(session: Session, partner: Partner, scopes: list[str], now: datetime, actor: Actor) -> IssuedKey:
    key_id, secret = f"pk_{secrets.token_hex(8)}", secrets.token_urlsafe(32)
    chosen = tuple(sorted({Scope(s).value for s in scopes}))
    session.add(PartnerKey(key_id=key_id, partner_id=partner.id, secret_hash=_digest(secret), scopes=list(chosen),
                           created_at=now))
    session.flush()
    write_audit(session, at=now, actor=actor, action="partner.key_issued", target=partner.code,
                details={"key_id": key_id, "scopes": list(chosen)})
    return IssuedKey(f"{key_id}.{secret}", key_id, chosen)


def revoke_key(session: Session, partner: Partner, key_id: str, now: datetime, actor: Actor,
               reason: str | None = None) -> PartnerKey:
    """Refuse every request made with this key from the commit on (on every worker).

    Raises:
        NotFound: the partner has no key ``key_id``.
        Conflict: the key was revoked already.
    """
    key = session.scalar(select(PartnerKey).where(PartnerKey.key_id == key_id,
                                                  PartnerKey.partner_id == partner.id).with_for_update())
    if key is None:
        raise NotFound(f"partner {partner.code} has no key {key_id}")
    if key.revoked_at is not None:
        raise Conflict(f"key {key_id} of partner {partner.code} was already revoked at {key.revoked_at.isoformat()}")
    key.revoked_at = now
    write_audit(session, at=now, actor=actor, action="partner.key_revoked", target=partner.code, reason=reason,
                details={"key_id": key_id})
    return key


def authenticate(session: Session, presented: str, scope: Scope) -> Partner:
    """The partner whose live key this is, if the key holds ``scope``.

    Raises:
        Unauthorized: no such key, a wrong secret, or a revoked key.
        Forbidden: the key lacks ``scope``.
    """
    key_id, _, secret = presented.strip().partition(".")
    row = session.get(PartnerKey, key_id) if key_id and secret else None
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _digest(secret)):
        raise Unauthorized("send a live partner key in 'X-OneCard-Partner-Key: <key id>.<secret>'")
    if scope.value not in row.scopes:
        raise Forbidden(f"this partner key may not {scope.value} points")
    return session.get(Partner, row.partner_id)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
