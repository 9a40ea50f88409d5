"""Simulation results kept per promotion version (server.pricing.simulation writes them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKeyConstraint, Index
from sqlalchemy.orm import Mapped, mapped_column

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class SimulationRun(Base):
    """One finished replay of a promotion version over past sales; ``result`` is `SimulationResult.to_dict()`.

    It belongs to the version it replayed, never to the promotion as a whole: a new version has
    no result until it is simulated itself.
    """

    __tablename__ = "promotion_simulations"
    __table_args__ = (
        ForeignKeyConstraint(["promotion_id", "version"],
                             ["promotion_versions.promotion_id", "promotion_versions.version"]),
        Index("ix_promotion_simulations_version", "promotion_id", "version", "until"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    promotion_id: Mapped[uuid.UUID]
    version: Mapped[int]
    weeks: Mapped[int]
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    result: Mapped[dict] = mapped_column(JSON)
