"""Reconciliation exceptions: HQ resolves one with a note, once; audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import Actor, write_audit
from server.exceptions import Conflict, NotFound
from server.membership.service_desk import require_reason
from server.models import ReconciliationException

MAX_NOTE = 2000


class ExceptionResolved(Conflict):
    slug = "exception-resolved"
    title = "The reconciliation exception is resolved already"


def resolve_exception(session: Session, exception_id: uuid.UUID, note: str, now: datetime,
                      actor: Actor) -> ReconciliationException:
    """Close an exception with what was found or done about it; the caller commits.

    Raises:
        ReasonRequired: the note is empty.
        NotFound: there is no such exception.
        ExceptionResolved: someone resolved it before (their note stands).
    """
    note = require_reason(note)[:MAX_NOTE]
    found = session.scalar(select(ReconciliationException).where(ReconciliationException.id == exception_id)
                           .with_for_update())
    if found is None:
        raise NotFound(f"no reconciliation exception {exception_id}")
    if found.resolved_at is not None:
        raise ExceptionResolved(f"resolved by {found.resolved_by} at {found.resolved_at.isoformat()}: "
                                f"{found.resolution_note}", resolved_by=found.resolved_by)
    found.resolved_at, found.resolved_by, found.resolution_note = now, actor.name, note
    write_audit(session, at=now, actor=actor, action="reconciliation.resolved", target=str(exception_id),
                reason=note, details={"transaction_id": found.transaction_id, "kind": found.kind,
                                      "store": found.store_code})
    return found
