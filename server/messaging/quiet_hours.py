"""Quiet hours: no notice reaches a member between, say, 21:00 and 08:00 on their home store's clock.

A pure computation (time is an argument). The hours may wrap past midnight ("21:00"-"08:00"); a
message due inside them waits until they end, on that store's wall clock, so a daylight-saving
change is counted as the store lives it. Worked example: with 21:00-08:00 and a store in
Europe/Berlin, a notice due at 2026-12-01 22:30 UTC (23:30 in Berlin) becomes due at
2026-12-02 07:00 UTC (08:00 in Berlin); one due at 12:00 UTC is due at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start < end:
        return start <= local < end
    return local >= start or local < end  # wraps past midnight


def not_before(due: datetime, quiet: tuple[str, str] | None, zone: str) -> datetime:
    """The first instant at or after ``due`` (UTC) outside the quiet hours in time zone ``zone``."""
    if quiet is None:
        return due
    start, end = _clock(quiet[0]), _clock(quiet[1])
    tz = ZoneInfo(zone)
    local = due.astimezone(tz)
    if not in_quiet_hours(local.timetz().replace(tzinfo=None), start, end):
        return due
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    # A wall-clock time that a DST jump skips is read by zoneinfo as the instant after the jump.
    return datetime.combine(day, end, tzinfo=tz).astimezone(UTC)
