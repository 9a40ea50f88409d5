"""The audit writer every feature uses: one call per audited act, actor and reason included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.ids import new_id
from server.models import AuditRecord


@dataclass(frozen=True)
class Actor:
    """Who acted: a staff user, a terminal, a member (their own page), the system (jobs) or an unidentified caller."""

    type: str
    name: str

    @classmethod
    def staff(cls, username: str) -> Actor:
        return cls("staff", username)

    @classmethod
    def terminal(cls, key_id: str) -> Actor:
        return cls("terminal", key_id)

    @classmethod
    def member(cls, member_id: str) -> Actor:
        """The member themself, signed in on the member page."""
        return cls("member", member_id)

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls("system", job)

    @classmethod
    def anonymous(cls, hint: str = "unknown") -> Actor:
        return cls("anonymous", hint)


def write_audit(session: Session, *, at: datetime, actor: Actor, action: str,
                target: str | None = None, reason: str | None = None,
                details: dict[str, Any] | None = None, request_id: str | None = None,
                remote_addr: str | None = None) -> AuditRecord:
    """Add an audit record to ``session``; it is committed with the act it records."""
    record = AuditRecord(at=at, actor_type=actor.type, actor=actor.name[:128], action=action,
                         target=target, reason=reason, details=details or {},
                         request_id=request_id, remote_addr=remote_addr)
    session.add(record)
    return record


def count_audit_burst(session: Session, *, bucket: str, at: datetime, actor: Actor, action: str,
                      target: str | None = None, reason: str | None = None,
                      details: dict[str, Any] | None = None, request_id: str | None = None,
                      remote_addr: str | None = None) -> None:
    """Count one event into the audit row named ``bucket``, creating it for the burst's first event.

    The row keeps the first event's time, target and details; ``count`` says how many there were.
    One atomic statement, so parallel requests add to one row. The caller commits.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(AuditRecord).values(
        id=new_id(), at=at, actor_type=actor.type, actor=actor.name[:128], action=action,
        target=target, reason=reason, details=details or {}, request_id=request_id,
        remote_addr=remote_addr, count=1, bucket=bucket)
    session.execute(stmt.on_conflict_do_update(index_elements=[AuditRecord.bucket],
                                               set_={"count": AuditRecord.count + 1}))
