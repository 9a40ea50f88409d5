"""When earned points expire, and the entries that expire them.

A policy counts N months or N days from the moment of earning, on the calendar of a time zone
(the chain's or the store's), and may round the result up to the end of its month. The default,
12 months rounded to month end: points earned on 15 March 2024 are spendable until the end of
31 March 2025 and gone from 1 April 2025 00:00 (the lot's `expires_at`, an exclusive bound).
Without rounding they are gone from 15 March 2025 at the local time they were earned; after 90
days without rounding, from 13 June 2024 at that time. A month that lacks the day (31 January +
1 month) ends the count on its last day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from loyalty.entries import Entry, EntryKind
from loyalty.exceptions import InvalidValue
from loyalty.guards import require_non_negative, require_utc
from loyalty.ids import entry_id
from loyalty.ledger import LedgerState


@dataclass(frozen=True)
class ExpiryPolicy:
    """How long earned points live.

    Attributes:
        months: lots expire `months` months after the moment of earning; None with `days` None
            means points never expire.
        zone: IANA zone whose calendar counts, e.g. "Europe/Berlin"; default "UTC".
        days: instead of months, lots expire `days` days after earning (set `months` to None).
        month_end: round the expiry up to the end of its month (in `zone`).
    """

    months: int | None = 12
    zone: str = "UTC"
    days: int | None = None
    month_end: bool = True

    def __post_init__(self) -> None:
        if self.months is not None:
            require_non_negative(self.months, "months")
        if self.days is not None:
            require_non_negative(self.days, "days")
            if self.months is not None:
                raise InvalidValue("days", self.days, "give months or days, not both")
        try:
            ZoneInfo(self.zone)
        except (ValueError, KeyError, OSError) as exc:  # not found: KeyError; a directory: OSError
            raise InvalidValue("zone", self.zone, "unknown time zone") from exc

    @property
    def never(self) -> bool:
        return self.months is None and self.days is None

    def expires_at(self, earned_at: datetime) -> datetime | None:
        """Return the instant (UTC) at which points earned at `earned_at` are gone.

        Example:
            >>> from datetime import UTC, datetime
            >>> ExpiryPolicy(months=12).expires_at(datetime(2024, 3, 15, 9, tzinfo=UTC)).isoformat()
            '2025-04-01T00:00:00+00:00'
            >>> ExpiryPolicy(months=None, days=90, month_end=False).expires_at(
            ...     datetime(2024, 3, 15, 9, tzinfo=UTC)).isoformat()
            '2024-06-13T09:00:00+00:00'
        """
        earned_at = require_utc(earned_at, "earned_at")
        if self.never:
            return None
        zone = ZoneInfo(self.zone)
        local = earned_at.astimezone(zone).replace(tzinfo=None)
        end = local + timedelta(days=self.days) if self.days is not None else _add_months(local, self.months)
        if self.month_end:
            # The first instant of the next month is the exclusive end of the month `end` falls in.
            year, month = divmod(end.year * 12 + end.month, 12)
            end = end.replace(year=year, month=month + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
        return end.replace(tzinfo=zone).astimezone(UTC)


def _add_months(local: datetime, months: int) -> datetime:
    year, month = divmod(local.year * 12 + local.month - 1 + months, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def expire_due(state: LedgerState, as_of: datetime) -> list[Entry]:
    """Return an expire entry for each lot past its expiry at `as_of` with points left.

    Each entry takes exactly what is left of its lot, dated at the lot's expiry: debits after that
    instant cannot touch the lot, so the figure is final. Ids come from the lot, so running the
    job twice (or on two workers) yields the same entries and the ledger keeps one of each.
    """
    as_of = require_utc(as_of, "as_of")
    return [
        Entry(
            id=entry_id(lot.lot_id, "expire"),
            account_id=state.account_id,
            kind=EntryKind.EXPIRE,
            points=-lot.remaining,
            at=lot.expires_at,
            lot_id=lot.lot_id,
            source_id=str(lot.lot_id),
        )
        for lot in state.open_lots()
        if lot.expires_at is not None and lot.expires_at <= as_of
    ]


_LAST_INSTANT = timedelta(microseconds=1)


def expiring_by_month(state: LedgerState, at: datetime, zone: str = "UTC") -> tuple[tuple[str, int], ...]:
    """Points left in lots alive at ``at``, by the last month they can be spent in ("2027-03",
    points), soonest first; months of the calendar in ``zone`` (the expiry policy's).

    A lot's ``expires_at`` is the exclusive end (the first instant of the next month), so the month
    shown is that of the instant just before it. Lots that never expire are left out. Debt is not
    spread over the months: it is repaid by the next credits, not by lots already held.
    """
    months: dict[str, int] = {}
    for lot in state.open_lots():
        if lot.expires_at is not None and lot.alive_at(at):
            key = (lot.expires_at.astimezone(ZoneInfo(zone)) - _LAST_INSTANT).strftime("%Y-%m")
            months[key] = months.get(key, 0) + lot.remaining
    return tuple(sorted(months.items()))
