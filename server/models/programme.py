"""The loyalty programme's versions: each change is a new row, never an edit of an old one."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class ProgrammeVersionRecord(Base):
    """One immutable version of the programme (the JSON `loyalty.programme_body` reads)."""

    __tablename__ = "programme_versions"
    __table_args__ = (CheckConstraint("number >= 1", name="number_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(unique=True)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    body: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
