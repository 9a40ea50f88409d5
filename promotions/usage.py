"""Counting a member's uses of usage-limited promotions from a log of the sales that used them.

The server counts in SQL; an offline till counts from the log in its member snapshot plus its own
sales since. Both count the same thing: distinct sales in which a promotion gave the member
something, from the start of the limit's current period in the store's time zone. A log is a
set, so a use seen twice (in the snapshot and in the till's own sales) counts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from promotions.catalogue import Catalogue
from promotions.windows import Period, usage_period_start


@dataclass(frozen=True)
class PromotionUse:
    """One sale in which a promotion gave a member something."""

    promotion_id: str
    transaction_id: str
    at: datetime


def count_uses(uses: Iterable[PromotionUse], catalogue: Catalogue, at: datetime, zone: ZoneInfo) -> dict[str, int]:
    """Uses of each usage-limited promotion of ``catalogue`` in its period current at ``at``.

    Promotions without a limit (or unknown to the catalogue) are left out: nothing counts them.
    """
    starts: dict[str, datetime | None] = {}
    sales: dict[str, set[str]] = {}
    for use in uses:
        promotion = catalogue.get(use.promotion_id)
        if promotion is None or promotion.usage_limit is None:
            continue
        if use.promotion_id not in starts:
            starts[use.promotion_id] = usage_period_start(promotion.usage_limit.period, at, zone)
        start = starts[use.promotion_id]
        if start is None or use.at >= start:
            sales.setdefault(use.promotion_id, set()).add(use.transaction_id)
    return {promotion_id: len(ids) for promotion_id, ids in sales.items()}


def log_horizon(period: Period, now: datetime) -> datetime | None:
    """The earliest instant whose uses can still count, in any time zone, for a period current at ``now``.

    A snapshot keeps only uses from here on: local dates run from a day behind UTC to a day ahead,
    so going back one extra day on each side never drops a use a store somewhere still counts.
    """
    start = usage_period_start(period, now - timedelta(days=1), ZoneInfo("UTC"))
    return None if start is None else start.astimezone(UTC) - timedelta(days=1)
