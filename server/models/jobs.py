"""Background jobs: how far periodic jobs have got, and what each job run is doing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.models.types import UTCDateTime


class JobWatermark(Base):
    """The instant up to which a job's last completed run handled everything."""

    __tablename__ = "job_watermarks"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    watermark: Mapped[datetime] = mapped_column(UTCDateTime())


class JobRecord(Base):
    """One job run by the in-process runner: its state and progress, readable from any process.

    With Redis, rq keeps the same facts in its own job hash instead (server/jobs/status.py).
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_enqueued_at", "enqueued_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    progress_note: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[object | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
