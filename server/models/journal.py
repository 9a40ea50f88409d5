"""Journal items a till sent that the server could not apply: kept, reported, never dropped."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class JournalRejection(Base):
    """The latest refusal of one journal item; ``final`` False means the till should retry it."""

    __tablename__ = "journal_rejections"
    __table_args__ = (UniqueConstraint("item_id", name="uq_journal_rejections_item_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(String(64))
    item_type: Mapped[str] = mapped_column(String(16))
    store_code: Mapped[str] = mapped_column(String(32), index=True)
    terminal_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    final: Mapped[bool]
    body: Mapped[dict] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=1)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
