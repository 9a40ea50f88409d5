"""The life of a promotion: draft -> scheduled/active <-> paused -> ended, nothing else.

``scheduled`` is published and waiting for its window to open. The catalogue already carries
scheduled promotions and the engine's window keeps them out until their start, so no job has to
flip them on time; ``active`` is the same to pricing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from server.audit import Actor, write_audit
from server.messaging.notices import record_publication
from server.models import PromotionRecord
from server.pricing.exceptions import IllegalStateChange
from server.pricing.publishing import publish_promotion


class State(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


LIVE = (State.SCHEDULED.value, State.ACTIVE.value)

MOVES: dict[State, frozenset[State]] = {
    State.DRAFT: frozenset({State.SCHEDULED, State.ACTIVE, State.ENDED}),
    State.SCHEDULED: frozenset({State.ACTIVE, State.PAUSED, State.DRAFT, State.ENDED}),
    State.ACTIVE: frozenset({State.PAUSED, State.ENDED}),
    State.PAUSED: frozenset({State.ACTIVE, State.SCHEDULED, State.ENDED}),
    State.ENDED: frozenset(),
}


def change_state(session, record: PromotionRecord, to_state: str, definition: dict, reason: str,
                 now: datetime, actor: Actor) -> PromotionRecord:
    """Move a promotion to ``to_state`` when that move is allowed; audited with the reason."""
    current, target = State(record.state), State(to_state)
    if target not in MOVES[current]:
        allowed = ", ".join(sorted(MOVES[current])) or "none"
        raise IllegalStateChange(f"a {current} promotion cannot become {target}; allowed: {allowed}",
                                 from_state=current.value, to_state=target.value)
    if target is State.SCHEDULED and not _starts_later(definition, now):
        raise IllegalStateChange("only a promotion whose window starts in the future can be scheduled; "
                                 "activate it instead", from_state=current.value, to_state=target.value)
    if target.value in LIVE and _ended(definition, now):
        raise IllegalStateChange(f"its window ended at {definition['window']['end']}; a promotion that can "
                                 "no longer apply cannot go live", from_state=current.value,
                                 to_state=target.value)
    record.state, record.updated_at = target.value, now
    write_audit(session, at=now, actor=actor, action=f"promotion.{target.value}", target=str(record.id),
                reason=reason or None, details={"from": current.value, "version": record.current_version})
    session.flush()
    publish_promotion(session, record, now)
    record_publication(session, record, definition, now)
    return record


def _ended(definition: dict, now: datetime) -> bool:
    end = definition["window"]["end"]  # the first instant no longer live
    return end is not None and datetime.fromisoformat(end) <= now


def _starts_later(definition: dict, now: datetime) -> bool:
    start = definition["window"]["start"]
    return start is not None and datetime.fromisoformat(start) > now
