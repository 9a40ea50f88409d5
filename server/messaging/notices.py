"""A promotion's notice: the rule that only a targeted audience gets one, and the record, made in the
publishing transaction, that its audience is still to be told (server/messaging/outbox.py plans it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from promotions import Promotion
from server.db import signal_on_commit
from server.models import PromotionNotice, PromotionRecord
from server.pricing.exceptions import InvalidDefinition
from store_sync.promotion_definitions import LIVE_STATES

# Raised by a transaction that recorded a publication: once it commits, the services queue the
# job that sends its notice (server.services). The scheduler's "deliver-notices" run catches up
# on any signal lost (a process that died right after its commit).
NOTICES_RECORDED = "notices-recorded"


def notice_of(definition: dict) -> dict | None:
    """The notice of a stored definition (versions saved before notices existed have none)."""
    return definition.get("notice")


def check_notice(definition: dict, promotion: Promotion) -> None:
    """Refuse a notice on a promotion anyone may get: there is no audience of members to tell.

    Raises:
        InvalidDefinition: on ``notice``.
    """
    if notice_of(definition) is not None and not promotion.targeting.needs_member:
        raise InvalidDefinition("notice", "a notice goes to a targeted audience of members (members only, "
                                          "tiers, segments or a member list); this promotion targets no one")


def record_publication(session: Session, record: PromotionRecord, definition: dict, now: datetime) -> bool:
    """Note, in the caller's transaction, that a live promotion's notice is to be sent.

    Once per promotion: a promotion paused and made live again, or edited while live, is not
    announced a second time. True when this call recorded it.
    """
    if record.state not in LIVE_STATES or notice_of(definition) is None:
        return False
    if session.get(PromotionNotice, record.id) is not None:
        return False
    session.add(PromotionNotice(promotion_id=record.id, version=record.current_version, published_at=now,
                                planned_at=None, planned=0))
    session.flush()
    signal_on_commit(session, NOTICES_RECORDED)
    return True
