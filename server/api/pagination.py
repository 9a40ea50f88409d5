"""Opaque keyset cursors: stable order and no OFFSET scans, whatever the page depth."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

from server.exceptions import OneCardError


class InvalidCursor(OneCardError):
    status = 400
    slug = "invalid-cursor"
    title = "Invalid cursor"


def encode_values(values: list) -> str:
    """JSON values as an opaque, URL-safe cursor."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_values(cursor: str) -> list:
    """The values ``encode_values`` made the cursor from; InvalidCursor for anything else."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as exc:  # bad base64, bad UTF-8 and bad JSON alike
        raise InvalidCursor("the cursor is not one this server issued") from exc
    if not isinstance(values, list):
        raise InvalidCursor("the cursor is not one this server issued")
    return values


def encode_cursor(at: datetime, record_id: uuid.UUID) -> str:
    return encode_values([at.isoformat(), str(record_id)])


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, record_id = decode_values(cursor)
        return datetime.fromisoformat(at), uuid.UUID(record_id)
    except (ValueError, TypeError) as exc:
        raise InvalidCursor("the cursor is not one this server issued") from exc
