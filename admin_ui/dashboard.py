"""The HQ dashboard's figures, from the reports service's rows (server.reports): per day and in total.

Sales come per local day, already added up across the chosen stores (``sales_by_day``: the
chain's own day roll-up, or one store's days); points per UTC day, chain-wide
(``points_by_period``); the liability by expiry month as of the last roll-up (``liability``).
Money stays in minor units and shares in basis points until a page or chart writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DayFigures:
    day: date
    baskets: int = 0
    sales_minor: int = 0
    member_sales_minor: int = 0
    issued: int = 0
    redeemed: int = 0
    expired: int = 0

    @property
    def member_share_bp(self) -> int | None:
        return share_bp(self.member_sales_minor, self.sales_minor)


@dataclass(frozen=True)
class Totals:
    baskets: int
    sales_minor: int
    member_sales_minor: int
    member_baskets: int
    issued: int
    redeemed: int
    expired: int
    outstanding_points: int
    outstanding_minor: int

    @property
    def member_share_bp(self) -> int | None:
        return share_bp(self.member_sales_minor, self.sales_minor)


def share_bp(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in basis points, rounded half up; None of nothing."""
    return (20_000 * part + whole) // (2 * whole) if whole else None


def days_of(since: date, until: date, sales_rows: list[dict], points_rows: list[dict]) -> list[DayFigures]:
    """One entry per day from ``since`` to ``until`` (days without sales or points are zeros)."""
    found: dict[date, dict] = {since + timedelta(days=n): {} for n in range((until - since).days + 1)}
    for row in sales_rows:
        day = found.setdefault(row["day"], {})
        for key, name in (("baskets", "baskets"), ("sales_minor", "sales_minor"),
                          ("member_sales_minor", "member_sales_minor")):
            day[key] = day.get(key, 0) + row[name]
    for row in points_rows:
        day = found.setdefault(date.fromisoformat(row["period"]), {})
        day.update(issued=row["issued"], redeemed=row["redeemed"], expired=row["expired"])
    return [DayFigures(day, **values) for day, values in sorted(found.items())]


def periods_of(days: list[DayFigures]) -> tuple[str, list[tuple[str, DayFigures]]]:
    """The days as the charts show them: each day up to five weeks, else weeks (from Monday) up to
    about four months, else calendar months; each period labelled and its figures summed."""
    if len(days) <= 35:
        return "day", [(d.day.strftime("%d %b"), d) for d in days]
    weekly = len(days) <= 120
    groups: dict[date, list[DayFigures]] = {}
    for d in days:
        start = d.day - timedelta(days=d.day.weekday()) if weekly else d.day.replace(day=1)
        groups.setdefault(start, []).append(d)
    label = "%d %b" if weekly else "%b %Y"
    return ("week" if weekly else "month"), [(start.strftime(label), _summed(start, group))
                                             for start, group in groups.items()]


def _summed(start: date, days: list[DayFigures]) -> DayFigures:
    return DayFigures(start, *(sum(getattr(d, name) for d in days) for name in (
        "baskets", "sales_minor", "member_sales_minor", "issued", "redeemed", "expired")))


def totals_of(days: list[DayFigures], sales_rows: list[dict], liability_rows: list[dict]) -> Totals:
    owed = [row for row in liability_rows if row["expiry_month"] != "debt"]
    return Totals(baskets=sum(d.baskets for d in days), sales_minor=sum(d.sales_minor for d in days),
                  member_sales_minor=sum(d.member_sales_minor for d in days),
                  member_baskets=sum(row["member_baskets"] for row in sales_rows),
                  issued=sum(d.issued for d in days), redeemed=sum(d.redeemed for d in days),
                  expired=sum(d.expired for d in days), outstanding_points=sum(row["points"] for row in owed),
                  outstanding_minor=sum(row["value_minor"] for row in owed))
