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


def encode_cursor(at: datetime, record_id: uuid.UUID) -> str:
    raw = json.dumps([at.isoformat(), str(record_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, record_id = json.loads(raw)
        return datetime.fromisoformat(at), uuid.UUID(record_id)
    except (ValueError, TypeError) as exc:
        raise InvalidCursor("the cursor is not one this server issued") from exc
