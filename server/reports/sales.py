"""Sales by store and local day, and by category, read from the roll-ups (never raw sales)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import BigInteger, Date, DateTime, cast, func, literal_column, select, tuple_
from sqlalchemy.orm import Session

from server.models import CategoryDay, ChainCategoryDay, ChainDay, SalesDay


def average_basket(amount: int, baskets: int) -> int | None:
    """Average basket in minor units, rounded half up; None without baskets."""
    return (2 * amount + baskets) // (2 * baskets) if baskets else None


def share(part: int, whole: int) -> float | None:
    """``part`` over ``whole`` to four places; None when ``whole`` is 0."""
    return round(part / whole, 4) if whole else None


PERIODS = ("day", "week", "month")
STORE_DAY_FIGURES = ("baskets", "sales_minor", "member_baskets", "member_sales_minor", "items", "returns",
                     "returns_minor")


def next_period_start(start: date, period: str) -> date:
    """The first day of the period after the one starting on ``start``."""
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def _period_of(session: Session, period: str):
    """``SalesDay.day`` as the first day of its period, in SQL: the day itself, its ISO week's
    Monday or its month's 1st. The period's name is written into the SQL, not bound: the same
    expression in SELECT and GROUP BY with two parameters would be two expressions to PostgreSQL."""
    if period == "day":
        return SalesDay.day
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc(literal_column(f"'{period}'"), cast(SalesDay.day, DateTime)), Date)
    if period == "week":  # SQLite: forward to Sunday (or stay on it), back six days: the Monday
        return func.date(SalesDay.day, literal_column("'weekday 0'"), literal_column("'-6 days'"), type_=Date)
    return func.date(SalesDay.day, literal_column("'start of month'"), type_=Date)


def store_day_sums(session: Session, since: date, until: date, store: str | None, period: str = "day",
                   after: tuple[str, date] | None = None, limit: int | None = None) -> list:
    """Per store and period, in (store, first day) order: the store, the period's first day and
    the ``STORE_DAY_FIGURES`` (members' and others' roll-up rows added up in the database).

    A period's figures are those of its days within ``since``..``until``. ``after`` continues
    after that (store, first day) by a condition on the roll-up's key columns, not an OFFSET.
    """
    first = _period_of(session, period).label("first_day")
    member = SalesDay.member.is_(True)
    sums = (func.sum(SalesDay.sales), func.sum(SalesDay.sales_minor),
            func.coalesce(func.sum(SalesDay.sales).filter(member), 0),
            func.coalesce(func.sum(SalesDay.sales_minor).filter(member), 0),
            func.sum(SalesDay.items), func.sum(SalesDay.returns), func.sum(SalesDay.returns_minor))
    # as integers from the database: PostgreSQL's sum of a bigint is a numeric, a Decimal in Python
    query = (select(SalesDay.store_code, first, *(cast(total, BigInteger) for total in sums))
             .where(SalesDay.day >= since, SalesDay.day <= until)
             .group_by(SalesDay.store_code, first).order_by(SalesDay.store_code, first))
    if store:
        query = query.where(SalesDay.store_code == store)
    if after is not None:  # every day of a later period: the periods follow the days' order
        resume = (after[0], next_period_start(after[1], period))
        query = query.where(tuple_(SalesDay.store_code, SalesDay.day) >= resume)
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query))  # rows that unpack like tuples


def sales_by_store_day(session: Session, since: date, until: date, store: str | None, period: str = "day",
                       after: tuple[str, date] | None = None, limit: int | None = None) -> list[dict]:
    """One row per store and local day (or week, or month: ``day`` is then its first day): baskets
    and amounts, members' share, average baskets. ``after`` and ``limit``: see ``store_day_sums``.

    Members' and others' roll-up rows are added up in the database, so a year of a whole chain
    reaches Python as one plain row per store and day.
    """
    return [_with_ratios(dict(store=code, day=day, **{name: int(n or 0) for name, n in
                                                       zip(STORE_DAY_FIGURES, sums, strict=True)}))
            for code, day, *sums in store_day_sums(session, since, until, store, period, after, limit)]


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
    return {**row, "member_share": share(row["member_sales_minor"], row["sales_minor"]),
            "average_basket_member_minor": average_basket(row["member_sales_minor"], row["member_baskets"]),
            "average_basket_non_member_minor": average_basket(other_minor, other_baskets),
            "net_sales_minor": row["sales_minor"] - row["returns_minor"]}


def sales_by_category(session: Session, since: date, until: date, store: str | None) -> list[dict]:
    """One row per category over the range (sale lines before returns), with members' share. The
    whole chain's come from its own roll-up (``ChainCategoryDay``), one store's from its
    ``CategoryDay`` rows."""
    table = CategoryDay if store else ChainCategoryDay
    member_amount = func.sum(table.amount_minor).filter(table.member.is_(True))
    query = (select(table.category, func.sum(table.lines), func.sum(table.qty), func.sum(table.amount_minor),
                    member_amount)
             .where(table.day >= since, table.day <= until)
             .group_by(table.category).order_by(table.category))
    if store:
        query = query.where(CategoryDay.store_code == store)
    return [dict(category=category, lines=int(lines), qty=int(qty), sales_minor=int(amount),
                 member_sales_minor=int(members or 0), member_share=share(int(members or 0), int(amount)))
            for category, lines, qty, amount, members in session.execute(query)]
