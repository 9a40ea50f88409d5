"""A member's ledger state kept beside the entries, so a look-up or a sale reads one row."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.models.types import UTCDateTime


class MemberBalance(Base):
    """What the member's entries add up to, kept in step by ``post_entries`` in the same transaction.

    ``lots`` and ``lot_tail`` together hold the open lots (points left), each as [lot id, credited
    at, expires at, points, remaining], in no set order (readers sort them first-expiring first):
    ``lot_tail`` the few formed by credits since ``lots`` was last written, which a sale appends to
    without reading or writing ``lots`` (server.membership.balances). ``last_key`` is the replay key
    of the latest entry, as [at, credit rank, kind rank, id] (see loyalty.entries.replay_key).
    Never the truth: the entries are; tests recompute it.

    ``open_points`` (the open lots' remaining points) and ``first_expiry`` (the earliest expiry among
    them; None when none expires) let a look-up answer "available now" without decoding ``lots``:
    until ``first_expiry`` every open lot is alive.
    """

    __tablename__ = "member_balances"

    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(Integer)
    debt: Mapped[int] = mapped_column(Integer)
    lot_shortfall: Mapped[int] = mapped_column(Integer)
    lots: Mapped[list] = mapped_column(JSON)
    lot_tail: Mapped[list] = mapped_column(JSON, server_default="[]")
    last_key: Mapped[list | None] = mapped_column(JSON)
    open_points: Mapped[int] = mapped_column(Integer)
    first_expiry: Mapped[datetime | None] = mapped_column(UTCDateTime())
