"""Ids made at the till: UUIDv7, globally unique before they reach the server, time-ordered."""

from __future__ import annotations

import uuid6


def new_id() -> str:
    return str(uuid6.uuid7())
