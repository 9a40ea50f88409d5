"""Nonces seen in signed terminal requests, kept for the freshness window to stop replays."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.models.types import UTCDateTime


class TerminalNonce(Base):
    """The primary key makes a second use of a nonce fail inside the database, race-free."""

    __tablename__ = "terminal_nonces"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class RequestCount(Base):
    """Requests counted in one fixed window for one bucket (``server.auth.rate_limit``, without Redis)."""

    __tablename__ = "request_counts"

    bucket: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True, index=True)
    hits: Mapped[int] = mapped_column(default=0)
