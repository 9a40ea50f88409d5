"""Sales by store and local day, and by category, read from the roll-ups (never raw sales)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import CategoryDay, ChainDay, SalesDay


def _average(amount: int, baskets: int) -> int | None:
    """Average basket in minor units, rounded half up; None without baskets."""
    return (2 * amount + baskets) // (2 * baskets) if baskets else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def sales_by_store_day(session: Session, since: date, until: date, store: str | None) -> list[dict]:
    """One row per store and local day: baskets and amounts, members' share, average baskets.

    Members' and others' roll-up rows are added up in the database, so a year of a whole chain
    reaches Python as one plain row per store and day.
    """
    member = SalesDay.member.is_(True)
    query = (select(SalesDay.store_code, SalesDay.day, func.sum(SalesDay.sales), func.sum(SalesDay.sales_minor),
                    func.sum(SalesDay.sales).filter(member), func.sum(SalesDay.sales_minor).filter(member),
                    func.sum(SalesDay.items), func.sum(SalesDay.returns), func.sum(SalesDay.returns_minor))
             .where(SalesDay.day >= since, SalesDay.day <= until)
             .group_by(SalesDay.store_code, SalesDay.day).order_by(SalesDay.store_code, SalesDay.day))
    if store:
        query = query.where(SalesDay.store_code == store)
    names = ("baskets", "sales_minor", "member_baskets", "member_sales_minor", "items", "returns", "returns_minor")
    return [_with_ratios(dict(store=code, day=day, **{name: int(n or 0) for name, n in zip(names, sums, strict=True)}))
            for code, day, *sums in session.execute(query)]


def sales_by_day(session: Session, since: date, until: date, store: str | None) -> list[dict]:
    """One row per local day with sales, the stores (or ``store`` alone) added up: baskets and
    amounts, members' among them. The whole chain's come from its own roll-up (``ChainDay``, a row
    per day and member-or-not), not from adding up every store's day."""
    table = SalesDay if store else ChainDay
    members = table.member.is_(True)
    query = (select(table.day, func.sum(table.sales), func.sum(table.sales_minor),
                    func.sum(table.sales).filter(members), func.sum(table.sales_minor).filter(members))
             .where(table.day >= since, table.day <= until).group_by(table.day).order_by(table.day))
    if store:
        query = query.where(SalesDay.store_code == store)
    return [dict(day=day, baskets=int(baskets), sales_minor=int(amount), member_baskets=int(member_baskets or 0),
                 member_sales_minor=int(member_amount or 0))
            for day, baskets, amount, member_baskets, member_amount in session.execute(query)]


def _with_ratios(row: dict) -> dict:
    other_baskets = row["baskets"] - row["member_baskets"]
    other_minor = row["sales_minor"] - row["member_sales_minor"]
    return {**row, "member_share": _share(row["member_sales_minor"], row["sales_minor"]),
            "average_basket_member_minor": _average(row["member_sales_minor"], row["member_baskets"]),
            "average_basket_non_member_minor": _average(other_minor, other_baskets),
            "net_sales_minor": row["sales_minor"] - row["returns_minor"]}


def sales_by_category(session: Session, since: date, until: date, store: str | None) -> list[dict]:
    """One row per category over the range (sale lines before returns), with members' share."""
    member_amount = func.sum(CategoryDay.amount_minor).filter(CategoryDay.member.is_(True))
    query = (select(CategoryDay.category, func.sum(CategoryDay.lines), func.sum(CategoryDay.qty),
                    func.sum(CategoryDay.amount_minor), member_amount)
             .where(CategoryDay.day >= since, CategoryDay.day <= until)
             .group_by(CategoryDay.category).order_by(CategoryDay.category))
    if store:
        query = query.where(CategoryDay.store_code == store)
    return [dict(category=category, lines=int(lines), qty=int(qty), sales_minor=int(amount),
                 member_sales_minor=int(members or 0), member_share=_share(int(members or 0), int(amount)))
            for category, lines, qty, amount, members in session.execute(query)]
