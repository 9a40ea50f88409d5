"""The audit log: who did what to which record, and why.

Rows are only ever added, with one exception: a row that stands for a burst of alike events
(``bucket`` set, e.g. unauthenticated terminal requests from one address in one minute) has its
``count`` raised as the burst goes on, so a flood writes a handful of rows, not one per request.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class AuditRecord(Base):
    __tablename__ = "audit_log"
    # The audit log filtered by who acted or by what was acted on, newest first (the back office's
    # audit page; erasure finds a member's records by target): one index range each, read backwards.
    __table_args__ = (Index("ix_audit_log_actor_at", "actor", "at"), Index("ix_audit_log_target_at", "target", "at"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    bucket: Mapped[str | None] = mapped_column(String(200), unique=True)
