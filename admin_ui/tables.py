"""Every list in the back office: filtered from the query string, paged, downloadable as CSV.

A view describes its table once (columns and filters), reads the filter values, narrows its query
with them and hands the query (or a list of rows) to ``TableSpec.show``, which answers with one
page of rows for the template, or with every matching row as CSV when ``?format=csv`` is asked.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from flask import Response, request, url_for
from sqlalchemy import Select, func, select

from admin_ui.formatting import decimal_amount
from server.api.context import db_session, services

CSV_LIMIT = 100_000  # rows in one download; a larger export belongs to the reports API
# Rows counted for the pager: past it a page says "of more than 10,000" instead of counting a large
# table (the audit log, the till events of a chain) on every request.
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Column:
    """A column: ``kind`` is text, code (ids, shown small), number, points, money (minor units),
    when (UTC time), day, or action (a link to do something to the row; left out of CSV downloads).

    A row may carry ``<key>_href`` to make the cell a link.
    """

    key: str
    label: str
    kind: str = "text"


@dataclass(frozen=True)
class Filter:
    """A filter field: ``kind`` is text, select (from ``choices``) or date (YYYY-MM-DD); ``hint`` is
    an example shown in the empty field."""

    name: str
    label: str
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


class Filtered(NamedTuple):
    """Filter values read from the query string: parsed ``values`` (None when empty or invalid),
    the ``raw`` strings to put back in the form and links, and an ``errors`` message per field."""

    values: dict[str, Any]
    raw: dict[str, str]
    errors: dict[str, str]


@dataclass
class Table:
    spec: TableSpec
    rows: list[dict]
    values: dict[str, Any]
    raw: dict[str, str]
    errors: dict[str, str]
    page: int
    pages: int
    total: int
    more: bool = False  # more than ``total`` rows match (the count stopped at COUNT_LIMIT)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.more and len(self.rows) == self.spec.per_page)

    def page_url(self, page: int) -> str:
        return url_for(request.endpoint, **{**request.view_args, **self.raw, "page": page})

    @property
    def csv_url(self) -> str:
        return url_for(request.endpoint, **{**request.view_args, **self.raw, "format": "csv"})

    @property
    def first_shown(self) -> int:
        return 0 if not self.rows else (self.page - 1) * self.spec.per_page + 1


@dataclass(frozen=True)
class TableSpec:
    name: str
    caption: str
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...] = ()
    per_page: int = 50

    def read_filters(self) -> Filtered:
        """The filter values in the query string; an invalid value is None plus an error message."""
        values: dict[str, Any] = {}
        raw: dict[str, str] = {}
        errors: dict[str, str] = {}
        for spec in self.filters:
            text = request.args.get(spec.name, "").strip()
            values[spec.name] = None
            if not text:
                continue
            raw[spec.name] = text
            if spec.kind == "date":
                try:
                    values[spec.name] = date.fromisoformat(text)
                except ValueError:
                    errors[spec.name] = f"{spec.label}: write the date as YYYY-MM-DD, e.g. 2026-03-14"
            elif spec.kind == "select" and text not in {value for value, _ in spec.choices}:
                errors[spec.name] = f"{spec.label}: choose one of the listed values"
            else:
                values[spec.name] = text
        return Filtered(values, raw, errors)

    def show(self, source: Select | Sequence[Any], to_row: Callable[[Any], dict] = dict,
             filters: Filtered | None = None) -> Table | Response:
        """One page of ``source`` for the template, or all of it as CSV with ``?format=csv``."""
        values, raw, errors = filters or self.read_filters()
        if request.args.get("format") == "csv":
            return self._csv(to_row(item) for item in _everything(source))
        page = _page_number()
        if isinstance(source, Select):
            counted = source.order_by(None).limit(COUNT_LIMIT + 1).subquery()
            total = db_session().scalar(select(func.count()).select_from(counted)) or 0
            items = db_session().execute(source.offset((page - 1) * self.per_page).limit(self.per_page))
            items = [row[0] if len(row) == 1 else row for row in items]
        else:
            total = len(source)
            items = source[(page - 1) * self.per_page: page * self.per_page]
        more, total = total > COUNT_LIMIT, min(total, COUNT_LIMIT) if isinstance(source, Select) else total
        pages = max(1, math.ceil(total / self.per_page))
        shown = page if more else min(page, pages)
        return Table(self, [to_row(item) for item in items], values, raw, errors, shown, max(pages, shown), total, more)

    def _csv(self, rows: Iterable[dict]) -> Response:
        settings = services().settings
        columns = [c for c in self.columns if c.kind != "action"]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([f"{c.label} ({settings.currency})" if c.kind == "money" else c.label for c in columns])
        for row in rows:
            writer.writerow([_csv_cell(row.get(c.key), c.kind, settings.currency_exponent) for c in columns])
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{self.name}.csv"'})


def day_start(value: date | None) -> datetime | None:
    """The first instant (UTC) of a day from a date filter."""
    return None if value is None else datetime.combine(value, time(), tzinfo=UTC)


def day_end(value: date | None) -> datetime | None:
    """The first instant (UTC) after a day from a date filter: 'to 2026-03-14' includes that day."""
    return None if value is None else datetime.combine(value + timedelta(days=1), time(), tzinfo=UTC)


def _everything(source: Select | Sequence[Any]) -> list[Any]:
    if isinstance(source, Select):
        return [row[0] if len(row) == 1 else row for row in db_session().execute(source.limit(CSV_LIMIT))]
    return list(source)[:CSV_LIMIT]


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _csv_cell(value: Any, kind: str, exponent: int) -> Any:
    if value is None:
        return ""
    if kind == "money":
        return decimal_amount(value, exponent)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
