"""How far periodic jobs have got, so a run looks only at what is new since the last one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.models.types import UTCDateTime


class JobWatermark(Base):
    """The instant up to which a job's last completed run handled everything."""

    __tablename__ = "job_watermarks"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    watermark: Mapped[datetime] = mapped_column(UTCDateTime())
