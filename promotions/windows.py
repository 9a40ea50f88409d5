"""Validity windows in store-local time, and the start of a usage-limit period.

A promotion's ``start``/``end`` are absolute instants (aware datetimes, end exclusive). Weekdays
and hours are *store-local*: "Tuesdays 17:00-19:00" means the wall clock in that store, whatever
its UTC offset that day, so the same promotion follows each store's time zone and DST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from promotions.exceptions import InvalidPromotion

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class HourRange:
    """A local wall-clock range in minutes after midnight, end exclusive.

    ``end_minute`` may be smaller than ``start_minute`` for a range across midnight
    (22:00-02:00); such a range belongs to the weekday on which it *starts*, so a
    "Friday 22:00-02:00" promotion is live at 01:00 on Saturday.
    """

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        for name in ("start_minute", "end_minute"):
            value = getattr(self, name)
            if not 0 <= value <= MINUTES_PER_DAY:
                raise InvalidPromotion(f"window.hours.{name}", "must be within 0..1440")
        if self.start_minute == self.end_minute:
            raise InvalidPromotion("window.hours", "an hour range must not be empty")

    @classmethod
    def of(cls, start: str, end: str) -> HourRange:
        """Build from ``"HH:MM"`` strings, e.g. ``HourRange.of("17:00", "19:00")``."""
        return cls(_minutes(start), _minutes(end))


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class Window:
    """When a promotion is live.

    Attributes:
        start: First instant (aware), or None for "already started".
        end: First instant no longer live (aware, exclusive), or None for open-ended.
        weekdays: Local weekdays (0 = Monday .. 6 = Sunday); empty means every day.
        hours: Local hour ranges; empty means all day.
    """

    start: datetime | None = None
    end: datetime | None = None
    weekdays: frozenset[int] = frozenset()
    hours: tuple[HourRange, ...] = ()

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise InvalidPromotion(f"window.{name}", "must be an aware datetime")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise InvalidPromotion("window.end", "end must be after start")
        if any(day not in range(7) for day in self.weekdays):
            raise InvalidPromotion("window.weekdays", "weekdays are 0 (Monday) .. 6 (Sunday)")

    def contains(self, at: datetime, zone: ZoneInfo) -> bool:
        """Return True when the window is live at instant ``at`` in a store in ``zone``."""
        if self.start is not None and at < self.start:
            return False
        if self.end is not None and at >= self.end:
            return False
        if not self.weekdays and not self.hours:
            return True
        local = at.astimezone(zone)
        return _local_match(local, self.weekdays, self.hours)


def _local_match(local: datetime, weekdays: frozenset[int], hours: tuple[HourRange, ...]) -> bool:
    minute = local.hour * 60 + local.minute
    today = local.weekday()
    yesterday = (today - 1) % 7
    if not hours:
        return today in weekdays
    for rng in hours:
        if rng.start_minute < rng.end_minute:
            if rng.start_minute <= minute < rng.end_minute and (not weekdays or today in weekdays):
                return True
            continue
        # Across midnight: the evening part belongs to today, the early-morning part to the
        # range that started yesterday.
        if minute >= rng.start_minute and (not weekdays or today in weekdays):
            return True
        if minute < rng.end_minute and (not weekdays or yesterday in weekdays):
            return True
    return False


class Period(StrEnum):
    """The period a per-member usage limit counts over, in store-local calendar terms."""

    DAY = "day"
    WEEK = "week"  # ISO week: Monday 00:00 local
    MONTH = "month"
    EVER = "ever"


def usage_period_start(period: Period, at: datetime, zone: ZoneInfo) -> datetime | None:
    """Return the instant the current usage period began, so callers count uses since then.

    The engine only compares counts; the server and the till use this to know *which* uses
    to count, so both count the same ones.

    Args:
        period: The limit's period.
        at: The sale instant (aware).
        zone: The store's time zone.

    Returns:
        The aware local midnight opening the period, or None for ``Period.EVER``.
    """
    if period is Period.EVER:
        return None
    local = at.astimezone(zone)
    day = local.date()
    if period is Period.WEEK:
        day -= timedelta(days=day.weekday())
    elif period is Period.MONTH:
        day = day.replace(day=1)
    # Build midnight from the date, not by subtracting hours, so a DST shift in between does
    # not move the boundary.
    return datetime(day.year, day.month, day.day, tzinfo=zone)
