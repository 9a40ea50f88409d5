"""/reports: cross-store reports for HQ, as JSON or CSV (?format=csv)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

from flask import Response, jsonify

from loyalty.currency import amount_formatter, amount_text
from server.api.blueprint import Blueprint
from server.api.context import BEARER, acting, db_session, reports_session, services, staff_required
from server.api.pagination import InvalidCursor, decode_values, encode_values
from server.auth.roles import Role
from server.membership.reconciliation import resolve_exception
from server.reports import members, points, promotions, sales
from server.reports.sync_health import reconciliation, sync_health
from server.schemas.reconciliation import ResolvedExceptionSchema, ResolveSchema
from server.schemas.reports import (
    BreakageReportSchema,
    CategoryReportSchema,
    ChurnQuerySchema,
    ChurnReportSchema,
    CrossStoreReportSchema,
    FormatQuerySchema,
    LiabilityReportSchema,
    PointsQuerySchema,
    PointsReportSchema,
    PromotionReportSchema,
    RangeQuerySchema,
    ReconciliationReportSchema,
    ReportQuerySchema,
    SalesQuerySchema,
    SalesReportSchema,
    SyncHealthReportSchema,
    TierReportSchema,
)

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Cross-store reports")
# The same report as CSV with ?format=csv: one row per line of the JSON report's list.
CSV_RESPONSE = blp.alt_response(
    200, schema={"type": "string"}, content_type="text/csv", success=True,
    description="the report as JSON; with ?format=csv, its rows as CSV, as an attachment",
    headers={"Content-Disposition": {"description": "attachment; filename=\"<report>.csv\"",
                                     "schema": {"type": "string"}}})


def as_csv(rows: list[dict], name: str) -> Response:
    """Rows as CSV. A ``*_minor`` column is money: written as a decimal amount under a header
    naming the chain's currency (``sales_minor`` -> ``sales (EUR)``), so a spreadsheet reads it."""
    out = io.StringIO()
    if rows:
        settings = services().settings
        headers = {k: _money_header(k, settings.currency) for k in rows[0]}
        writer = csv.DictWriter(out, fieldnames=list(headers.values()))
        writer.writeheader()
        writer.writerows({headers[k]: _cell(k, v, settings.currency) for k, v in row.items()} for row in rows)
    return _csv_response(out.getvalue(), name)


def _csv_response(body: str | Iterator[str], name: str) -> Response:
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _money_header(name: str, currency: str) -> str:
    return f"{name.removesuffix('_minor')} ({currency})" if name.endswith("_minor") else name


def _cell(name: str, value, currency: str):
    if value is None:
        return ""
    if name.endswith("_minor"):
        return amount_text(value, currency)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _report(rows: list[dict], name: str, query: dict, **extra):
    if query["format"] == "csv":
        return as_csv(rows, name)
    return {"currency": services().settings.currency, "rows": rows, **extra}


@blp.route("/reconciliation")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReconciliationReportSchema)
@CSV_RESPONSE
def reconciliation_report(query):
    """Where tills and the server disagreed, and journal items not applied (yet)."""
    report = reconciliation(db_session(), query["store"], query["since"], query["until"])
    if query["format"] == "csv":
        return as_csv(report["exceptions"], "reconciliation-exceptions")
    return report


@blp.route("/sync-health")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, SyncHealthReportSchema)
@CSV_RESPONSE
def sync_health_report(query):
    """Per terminal: last seen, feed cursor and lag behind the head, journal items waiting."""
    rows = sync_health(db_session(), query["store"])
    if query["format"] == "csv":
        return as_csv(rows, "sync-health")
    return {"terminals": rows}


@blp.route("/sales")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(SalesQuerySchema, location="query")
@blp.response(200, SalesReportSchema)
@CSV_RESPONSE
def sales_report(query):
    """Per store and local day (or week, or month): baskets, sales, members' share, average basket
    members and not. JSON in pages of ``limit`` rows, in store and day order; CSV the whole range."""
    period, currency = query["period"], services().settings.currency
    args = (reports_session(), query["since"], query["until"], query["store"], period)
    if query["format"] == "csv":
        return _csv_response(sales_csv(sales.store_day_sums(*args), currency), "sales")
    after = _sales_cursor(query["cursor"], period) if query["cursor"] else None
    rows = sales.sales_by_store_day(*args, after=after, limit=query["limit"] + 1)
    last = rows[query["limit"] - 1] if len(rows) > query["limit"] else None
    return {"currency": currency, "period": period, "rows": rows[:query["limit"]],
            "next_cursor": _encode_sales_cursor(period, last["store"], last["day"]) if last else None}


def _encode_sales_cursor(period: str, store: str, day: date) -> str:
    return encode_values([period, store, day.isoformat()])


def _sales_cursor(cursor: str, period: str) -> tuple[str, date]:
    """The (store, first day) a sales page ended on; the cursor must come from the same period."""
    try:
        issued_for, store, day = decode_values(cursor)
        after = (store, date.fromisoformat(day))
    except (ValueError, TypeError) as exc:
        raise InvalidCursor("the cursor is not one this server issued") from exc
    if issued_for != period or not isinstance(store, str):
        raise InvalidCursor(f"the cursor is not one this server issued for period={period}")
    return after


SALES_CSV_COLUMNS = ("store", "day", *sales.STORE_DAY_FIGURES, "member_share", "average_basket_member_minor",
                     "average_basket_non_member_minor", "net_sales_minor")
CSV_ROWS_PER_CHUNK = 2000


def sales_csv(sums: Sequence[tuple], currency: str) -> Iterator[str]:
    """``store_day_sums`` rows as the sales CSV, in chunks: the same columns and cells as ``as_csv``
    gives the report's rows, each line written in one go from the integers (``amount_formatter``:
    a year of a chain's store days is 100,000 lines)."""
    header = io.StringIO()
    csv.writer(header).writerow([_money_header(name, currency) for name in SALES_CSV_COLUMNS])
    yield header.getvalue()
    money, cells = amount_formatter(currency), {}  # a store's cell and a day's text: few, each made once
    for start in range(0, len(sums), CSV_ROWS_PER_CHUNK):
        yield "".join([_sales_line(row, money, cells) for row in sums[start:start + CSV_ROWS_PER_CHUNK]])


def _sales_line(row: tuple, money: Callable[[int], str], cells: dict) -> str:
    store, day, baskets, amount, member_baskets, member_amount, items, returns, refunded = row
    member_average = sales.average_basket(member_amount, member_baskets)
    other_average = sales.average_basket(amount - member_amount, baskets - member_baskets)
    member_share = sales.share(member_amount, amount)
    store_cell = cells.get(store) or cells.setdefault(store, _csv_cell(store))
    day_text = cells.get(day) or cells.setdefault(day, day.isoformat())
    return (f"{store_cell},{day_text},{baskets},{money(amount)},{member_baskets},{money(member_amount)},"
            f"{items},{returns},{money(refunded)},{'' if member_share is None else member_share},"
            f"{'' if member_average is None else money(member_average)},"
            f"{'' if other_average is None else money(other_average)},{money(amount - refunded)}\r\n")


def _csv_cell(text: str) -> str:
    """``text`` as the csv module writes a cell (quoted only if it must be)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([text])
    return out.getvalue()


@blp.route("/sales-by-category")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(RangeQuerySchema, location="query")
@blp.response(200, CategoryReportSchema)
@CSV_RESPONSE
def category_report(query):
    """Per category over the range: sale lines, units and amount (before returns), members' share."""
    rows = sales.sales_by_category(reports_session(), query["since"], query["until"], query["store"])
    return _report(rows, "sales-by-category", query)


@blp.route("/points")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(PointsQuerySchema, location="query")
@blp.response(200, PointsReportSchema)
@CSV_RESPONSE
def points_report(query):
    """Per UTC day or month: points issued, redeemed, expired, adjusted and reversed (chain-wide)."""
    rows = points.points_by_period(reports_session(), query["since"], query["until"], query["period"] == "month")
    return _report(rows, "points", query)


@blp.route("/liability")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(FormatQuerySchema, location="query")
@blp.response(200, LiabilityReportSchema)
@CSV_RESPONSE
def liability_report(query):
    """Outstanding points and their money value by expiry month, as of the last roll-up."""
    rows = points.liability(reports_session(), services().program.redemption.value)
    return _report(rows, "liability", query)


@blp.route("/breakage")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(FormatQuerySchema, location="query")
@blp.response(200, BreakageReportSchema)
@CSV_RESPONSE
def breakage_report(query):
    """Per earn month: points issued and expired; the mature months' rate and its forecast."""
    svc = services()
    report = points.breakage(reports_session(), svc.clock().date(), svc.program.expiry.months,
                             svc.program.redemption.value)
    if query["format"] == "csv":
        return as_csv(report["cohorts"], "breakage")
    return {"currency": svc.settings.currency, **report}


@blp.route("/cross-store")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(RangeQuerySchema, location="query")
@blp.response(200, CrossStoreReportSchema)
@CSV_RESPONSE
def cross_store_report(query):
    """Members active in 2+ stores, and flows from home stores to the stores they bought in
    (by whole months: the months that ``from`` and ``to`` fall in)."""
    report = members.cross_store(reports_session(), query["since"], query["until"], query["store"])
    if query["format"] == "csv":
        return as_csv(report["flows"], "store-flows")
    # Sent as built, past the response schema: every value is already the str, int or float the
    # schema would write (a test holds the two equal), and a chain-year's tens of thousands of
    # flows took longer through marshmallow than the query that found them.
    return jsonify({"currency": services().settings.currency, **report})


@blp.route("/tiers")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(RangeQuerySchema, location="query")
@blp.response(200, TierReportSchema)
@CSV_RESPONSE
def tier_report(query):
    """Members per tier now, and tier changes from ``from`` to ``to``."""
    report = members.tiers(reports_session(), query["since"], query["until"])
    if query["format"] == "csv":
        return as_csv(report["tiers"], "tiers")
    return report


@blp.route("/churn-risk")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(ChurnQuerySchema, location="query")
@blp.response(200, ChurnReportSchema)
@CSV_RESPONSE
def churn_report(query):
    """Members whose time since their last visit is over twice their own usual interval."""
    svc = services()
    now = (datetime.combine(query["as_of"] + timedelta(days=1), time(), UTC) if query["as_of"]
           else svc.clock())
    report = members.churn_risk(reports_session(), now, query["limit"])
    if query["format"] == "csv":
        return as_csv(report["members"], "churn-risk")
    return {"currency": svc.settings.currency, **report}


@blp.route("/reconciliation/<uuid:exception_id>/resolve", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(ResolveSchema)
@blp.response(200, ResolvedExceptionSchema)
@blp.problems(404, 409, 422)
def resolve(body, exception_id):
    """Close a reconciliation exception with a note; resolving it a second time is a 409."""
    session = db_session()
    resolved = resolve_exception(session, exception_id, body["note"], services().clock(), acting())
    session.commit()
    return resolved


@blp.route("/promotions/<uuid:promotion_id>")
@blp.doc(security=BEARER)
@staff_required(Role.HQ, Role.MARKETING)
@blp.arguments(FormatQuerySchema, location="query")
@blp.response(200, PromotionReportSchema)
@blp.problems(404)
@CSV_RESPONSE
def promotion_report(query, promotion_id):
    """What a promotion gave, its items' sales before and during, and its effect against the
    held-out members: treated less held-out spend per member with a 95 % interval. CSV: per day."""
    svc = services()
    report = promotions.performance(reports_session(), promotion_id, svc.clock())
    if query["format"] == "csv":
        return as_csv(report["days"], f"promotion-{promotion_id}")
    return {"currency": svc.settings.currency, **report}
