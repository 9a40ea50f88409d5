"""Builders shared by the loyalty unit tests."""

from __future__ import annotations

from datetime import UTC, datetime

from loyalty.entries import Entry, EntryKind
from loyalty.expiry import ExpiryPolicy
from loyalty.ids import entry_id

POLICY = ExpiryPolicy()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def earned(account: str, source: str, points: int, at: datetime, policy=POLICY) -> Entry:
    """An earn entry as a sale would post it."""
    return Entry(
        entry_id(source, "earn"), account, EntryKind.EARN, points, at, policy.expires_at(at), source_id=source
    )


def redeemed(account: str, source: str, points: int, at: datetime, offline=False) -> Entry:
    """A redeem entry of `points` (given positive)."""
    return Entry(
        entry_id(source, "redeem"), account, EntryKind.REDEEM, -points, at, source_id=source, offline=offline
    )
