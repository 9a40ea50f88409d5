"""Stores and their terminals (one credential per terminal)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    # True: shelf prices are what the customer pays, tax included; False: tax is added on top.
    prices_include_tax: Mapped[bool] = mapped_column(default=True, server_default=true())
    # What its receipts print besides the name (server.schemas.stores.ReceiptDetailsSchema): address
    # lines, tax number, header and footer lines; published to its tills with the store.
    receipt: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    terminals: Mapped[list[Terminal]] = relationship(back_populates="store")


class Terminal(Base):
    """A till. Only the public half of its Ed25519 key is stored: a stolen database forges nothing."""

    __tablename__ = "terminals"
    __table_args__ = (UniqueConstraint("store_id", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    store_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stores.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    active: Mapped[bool] = mapped_column(default=True)  # false once revoked: every request is refused
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    agent_version: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set while an admin has the terminal suspended: it still syncs and posts, but redeems no points.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    store: Mapped[Store] = relationship(back_populates="terminals")
