"""Record ids: UUIDv7, made where the record is born, time-ordered for index locality."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid6.uuid7().bytes)
