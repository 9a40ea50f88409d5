"""When earned points expire, and the entries that expire them.

Default policy: points expire at the end of the 12th month after the month they were earned,
in UTC or in the chain's time zone. Points earned on 15 March 2024 are spendable until the end of
31 March 2025 and gone from 1 April 2025 00:00 (the lot's `expires_at`, an exclusive bound).
"""

from __future__ import annotations

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
        months: lots expire at the end of the `months`-th month after the month of earning;
            None means points never expire.
        zone: IANA zone whose calendar months count, e.g. "Europe/Berlin"; default "UTC".
    """

    months: int | None = 12
    zone: str = "UTC"

    def __post_init__(self) -> None:
        if self.months is not None:
            require_non_negative(self.months, "months")
        try:
            ZoneInfo(self.zone)
        except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise InvalidValue("zone", self.zone, "unknown time zone") from exc

    def expires_at(self, earned_at: datetime) -> datetime | None:
        """Return the instant (UTC) at which points earned at `earned_at` are gone."""
        earned_at = require_utc(earned_at, "earned_at")
        if self.months is None:
            return None
        local = earned_at.astimezone(ZoneInfo(self.zone))
        # One month past the end month: its first instant is the exclusive end of the end month.
        month_index = local.year * 12 + (local.month - 1) + self.months + 1
        year, month = divmod(month_index, 12)
        boundary = datetime(year, month + 1, 1, tzinfo=ZoneInfo(self.zone))
        return boundary.astimezone(UTC)


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
