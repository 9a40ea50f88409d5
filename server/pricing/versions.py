"""Promotions as versioned data: every edit is a new immutable version; old ones stay readable."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import Actor, write_audit
from server.exceptions import Conflict, NotFound
from server.membership.program import LoyaltyProgram
from server.messaging.notices import check_notice, record_publication
from server.models import CouponCode, PromotionRecord, PromotionVersion
from server.pricing.definitions import to_promotion
from server.pricing.publishing import publish_promotion
from server.pricing.references import check_references, definition_references
from server.pricing.states import State
from server.schemas.promotions import DefinitionSchema

_DEFINITION = DefinitionSchema()


def canonical(loaded: dict) -> dict:
    """The JSON form of a loaded definition: what is stored and what the engine mapping reads."""
    return _DEFINITION.dump(loaded)


def get_promotion(session: Session, promotion_id: uuid.UUID, *, lock: bool = False) -> PromotionRecord:
    stmt = select(PromotionRecord).where(PromotionRecord.id == promotion_id)
    record = session.scalar(stmt.with_for_update() if lock else stmt)
    if record is None:
        raise NotFound(f"no promotion {promotion_id}")
    return record


def get_version(session: Session, promotion_id: uuid.UUID, version: int) -> PromotionVersion:
    found = session.get(PromotionVersion, (promotion_id, version))
    if found is None:
        raise NotFound(f"promotion {promotion_id} has no version {version}")
    return found


def create_promotion(session: Session, definition: dict, state: str, now: datetime, actor: Actor,
                     program: LoyaltyProgram) -> PromotionRecord:
    """Validate and store version 1 of a new promotion."""
    record = PromotionRecord(kind=definition["rule"]["kind"], current_version=0, state=state,
                             created_at=now, updated_at=now)
    session.add(record)
    session.flush()
    add_version(session, record, definition, now, actor, program)
    return record


def add_version(session: Session, record: PromotionRecord, definition: dict, now: datetime, actor: Actor,
                program: LoyaltyProgram) -> PromotionVersion:
    """Store ``definition`` as the next version; it is what tills get from now on.

    Raises:
        InvalidDefinition: the definition contradicts itself.
        UnknownReference: it names a store, tier, category, product or segment that does not exist.
    """
    stored = canonical(definition)
    codes = (stored["coupon"] or {}).get("codes", [])
    check_notice(stored, to_promotion(str(record.id), record.current_version + 1, stored, codes))
    check_references(session, program, definition_references(stored))
    version = PromotionVersion(promotion_id=record.id, version=record.current_version + 1,
                               definition=stored, created_at=now, created_by=actor.name)
    session.add(version)
    record.current_version, record.kind, record.updated_at = version.version, stored["rule"]["kind"], now
    _register_codes(session, record.id, codes, now)
    write_audit(session, at=now, actor=actor, action="promotion.version", target=str(record.id),
                details={"version": version.version, "label": stored["label"]})
    session.flush()
    publish_promotion(session, record, now)
    record_publication(session, record, stored, now)
    return version


def edit_promotion(session: Session, record: PromotionRecord, definition: dict, now: datetime, actor: Actor,
                   program: LoyaltyProgram) -> PromotionVersion:
    """Replace ``record``'s definition with a new version (live at once if the promotion is).

    Raises:
        Conflict: the promotion has ended; a new one is made instead.
        InvalidDefinition, UnknownReference: as ``add_version``.
    """
    if record.state == State.ENDED:
        raise Conflict("an ended promotion cannot be edited; create a new one")
    return add_version(session, record, definition, now, actor, program)


def _register_codes(session: Session, promotion_id: uuid.UUID, codes: list[str], now: datetime) -> None:
    """Shared codes named in a definition get a usage row; a code belongs to one promotion only."""
    for code in codes:
        row = session.get(CouponCode, code)
        if row is None:
            session.add(CouponCode(code=code, promotion_id=promotion_id, uses=0, created_at=now))
        elif row.promotion_id != promotion_id:
            raise Conflict(f"coupon code {code} already belongs to promotion {row.promotion_id}")
    session.flush()


def current_definition(session: Session, record: PromotionRecord) -> dict:
    return get_version(session, record.id, record.current_version).definition


def list_versions(session: Session, promotion_id: uuid.UUID) -> list[PromotionVersion]:
    return list(session.scalars(select(PromotionVersion).where(PromotionVersion.promotion_id == promotion_id)
                                .order_by(PromotionVersion.version)))


def list_promotions(session: Session, after: uuid.UUID | None, limit: int, state: str | None,
                    kind: str | None) -> list[PromotionRecord]:
    stmt = select(PromotionRecord).order_by(PromotionRecord.id).limit(limit)
    if after is not None:
        stmt = stmt.where(PromotionRecord.id > after)
    if state is not None:
        stmt = stmt.where(PromotionRecord.state == state)
    if kind is not None:
        stmt = stmt.where(PromotionRecord.kind == kind)
    return list(session.scalars(stmt))
