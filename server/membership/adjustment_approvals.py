"""Staff points adjustments within each role's limits, and four-eyes approval above them.

Each role that may adjust points has two limits (``Settings.adjust_limit``): points in one
adjustment, and points one staff user adjusts alone in any 24 hours (absolute values summed).
Within both, an adjustment applies at once. Above either it is kept as a pending request until a
different staff user approves it (it applies then) or someone rejects it. Every step is audited
with its actor and reason; adjustments applied by approval do not count against anyone's own
daily limit, since two people agreed to them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.entries import EntryKind
from server.audit import Actor, write_audit
from server.exceptions import Conflict, Forbidden, NotFound
from server.membership.ledger import load_ledger, lock_member
from server.membership.program import LoyaltyProgram
from server.membership.service_desk import adjust_points, apply_adjustment, refuse_overdraw, require_reason
from server.models import AdjustmentRequest, LedgerEntry
from server.settings import AdjustmentLimit

DAY = timedelta(hours=24)


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Exceeded(StrEnum):
    PER_ADJUSTMENT = "per_adjustment"
    PER_DAY = "per_day"


class OwnAdjustment(Forbidden):
    slug = "own-adjustment"
    title = "A second staff user must approve this"


class AdjustmentDecided(Conflict):
    slug = "adjustment-decided"
    title = "The adjustment request was decided already"


@dataclass(frozen=True)
class AdjustmentOutcome:
    """Either the balance after an adjustment that applied, or the request waiting for approval."""

    balance: int | None = None
    request: AdjustmentRequest | None = None


def request_adjustment(session: Session, member_id: uuid.UUID, adjustment_id: str, points: int, reason: str,
                       limit: AdjustmentLimit | None, program: LoyaltyProgram, now: datetime,
                       actor: Actor) -> AdjustmentOutcome:
    """Apply a staff adjustment within ``limit``, or keep it for approval above it.

    The same adjustment id again answers as the first time did (applied, or the request as it is now).

    Raises:
        Forbidden: ``limit`` is None: the staff user's role may not adjust points.
        AdjustmentOverdraws: removing the points would overdraw the account.
        Conflict: the adjustment id was used before with other points or reason.
    """
    if limit is None:
        raise Forbidden("this role may not adjust points")
    reason = require_reason(reason)
    lock_member(session, member_id)
    existing = _request_for(session, member_id, adjustment_id)
    if existing is not None:
        if (existing.points, existing.reason) != (points, reason):
            raise Conflict(f"adjustment {adjustment_id} was requested before with other points or reason")
        return AdjustmentOutcome(request=existing)
    exceeded = None if _applied(session, member_id, adjustment_id) else _exceeded(session, limit, points, now, actor)
    if exceeded is None:
        return AdjustmentOutcome(balance=adjust_points(session, member_id, adjustment_id, points, reason,
                                                       program, now, actor))
    if points < 0:  # refused now rather than after a colleague's approval
        refuse_overdraw(session, member_id, load_ledger(session, member_id).state, -points, now)
    return AdjustmentOutcome(request=_keep_for_approval(session, member_id, adjustment_id, points, reason,
                                                        exceeded, limit, now, actor))


def _exceeded(session: Session, limit: AdjustmentLimit, points: int, now: datetime,
              actor: Actor) -> Exceeded | None:
    if abs(points) > limit.per_adjustment:
        return Exceeded.PER_ADJUSTMENT
    if adjusted_alone(session, actor.name, now) + abs(points) > limit.per_day:
        return Exceeded.PER_DAY
    return None


def adjusted_alone(session: Session, username: str, now: datetime) -> int:
    """Points (absolute) ``username`` adjusted on their own authority in the 24 hours up to ``now``.

    An approved adjustment's entry names both people as its actor, so it is not counted here.
    """
    total = session.scalar(select(func.coalesce(func.sum(func.abs(LedgerEntry.points)), 0)).where(
        LedgerEntry.actor == username, LedgerEntry.kind == EntryKind.ADJUST.value,
        LedgerEntry.recorded_at > now - DAY))
    return int(total or 0)


def _applied(session: Session, member_id: uuid.UUID, adjustment_id: str) -> bool:
    # A retry of an adjustment that applied goes back to adjust_points, which answers it again
    # without counting it against the limits a second time.
    return session.scalar(select(LedgerEntry.id).where(
        LedgerEntry.member_id == member_id, LedgerEntry.kind == EntryKind.ADJUST.value,
        LedgerEntry.source_id == f"{member_id}/{adjustment_id}")) is not None


def _keep_for_approval(session: Session, member_id: uuid.UUID, adjustment_id: str, points: int, reason: str,
                       exceeded: Exceeded, limit: AdjustmentLimit, now: datetime,
                       actor: Actor) -> AdjustmentRequest:
    request = AdjustmentRequest(member_id=member_id, adjustment_id=adjustment_id, points=points, reason=reason,
                                exceeded=exceeded.value, state=RequestState.PENDING.value,
                                requested_by=actor.name, requested_at=now)
    session.add(request)
    session.flush()
    write_audit(session, at=now, actor=actor, action="points.adjustment_requested", target=str(member_id),
                reason=reason, details={"request_id": str(request.id), "points": points,
                                        "adjustment_id": adjustment_id, "exceeded": exceeded.value,
                                        "per_adjustment": limit.per_adjustment, "per_day": limit.per_day})
    return request


def approve_adjustment(session: Session, member_id: uuid.UUID, request_id: uuid.UUID, reason: str,
                       program: LoyaltyProgram, now: datetime, actor: Actor) -> tuple[AdjustmentRequest, int]:
    """Apply a pending adjustment on a second staff user's word; returns (request, balance).

    Approving an approved request again changes nothing and answers the same.

    Raises:
        OwnAdjustment: the approver asked for the adjustment.
        AdjustmentDecided: the request was rejected.
        AdjustmentOverdraws: removing the points would now overdraw the account (it stays pending).
    """
    reason = require_reason(reason)
    lock_member(session, member_id)
    request = get_request(session, member_id, request_id, lock=True)
    if request.state == RequestState.APPROVED:
        return request, load_ledger(session, member_id).state.balance
    if request.state != RequestState.PENDING:
        raise AdjustmentDecided(f"adjustment request {request_id} is {request.state}", state=request.state)
    if request.requested_by == actor.name:
        raise OwnAdjustment(f"{actor.name} asked for this adjustment; another staff user must approve it")
    balance, _ = apply_adjustment(session, member_id, request.adjustment_id, request.points, request.reason,
                                  program, now, made_by=f"{request.requested_by}, approved by {actor.name}")
    _decide(request, RequestState.APPROVED, reason, now, actor)
    write_audit(session, at=now, actor=actor, action="points.adjustment_approved", target=str(member_id),
                reason=reason, details=_audit_details(request))
    return request, balance


def reject_adjustment(session: Session, member_id: uuid.UUID, request_id: uuid.UUID, reason: str,
                      now: datetime, actor: Actor) -> AdjustmentRequest:
    """Refuse a pending adjustment (its requester may withdraw it); rejecting again changes nothing.

    Raises:
        AdjustmentDecided: the request was approved and has applied.
    """
    reason = require_reason(reason)
    lock_member(session, member_id)
    request = get_request(session, member_id, request_id, lock=True)
    if request.state == RequestState.REJECTED:
        return request
    if request.state != RequestState.PENDING:
        raise AdjustmentDecided(f"adjustment request {request_id} is {request.state}", state=request.state)
    _decide(request, RequestState.REJECTED, reason, now, actor)
    write_audit(session, at=now, actor=actor, action="points.adjustment_rejected", target=str(member_id),
                reason=reason, details=_audit_details(request))
    return request


def _decide(request: AdjustmentRequest, state: RequestState, reason: str, now: datetime, actor: Actor) -> None:
    request.state, request.decided_by, request.decided_at, request.decision_reason = (
        state.value, actor.name, now, reason)


def _audit_details(request: AdjustmentRequest) -> dict:
    return {"request_id": str(request.id), "points": request.points, "adjustment_id": request.adjustment_id,
            "requested_by": request.requested_by}


def get_request(session: Session, member_id: uuid.UUID, request_id: uuid.UUID, *,
                lock: bool = False) -> AdjustmentRequest:
    stmt = select(AdjustmentRequest).where(AdjustmentRequest.id == request_id,
                                           AdjustmentRequest.member_id == member_id)
    request = session.scalar(stmt.with_for_update() if lock else stmt)
    if request is None:
        raise NotFound(f"member {member_id} has no adjustment request {request_id}")
    return request


def _request_for(session: Session, member_id: uuid.UUID, adjustment_id: str) -> AdjustmentRequest | None:
    return session.scalar(select(AdjustmentRequest).where(AdjustmentRequest.member_id == member_id,
                                                          AdjustmentRequest.adjustment_id == adjustment_id))


def pending_requests(session: Session, after: uuid.UUID | None, limit: int) -> list[AdjustmentRequest]:
    """Requests waiting for approval across the chain, oldest first (ids are UUIDv7)."""
    stmt = (select(AdjustmentRequest).where(AdjustmentRequest.state == RequestState.PENDING.value)
            .order_by(AdjustmentRequest.id).limit(limit))
    if after is not None:
        stmt = stmt.where(AdjustmentRequest.id > after)
    return list(session.scalars(stmt))
