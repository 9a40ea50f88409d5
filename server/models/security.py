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
