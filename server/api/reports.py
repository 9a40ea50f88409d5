"""/reports: cross-store reports for HQ, as JSON or CSV (?format=csv)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from flask import Response, jsonify

from server.api.blueprint import Blueprint
from server.api.context import BEARER, acting, db_session, reports_session, services, staff_required
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
        writer.writerows({headers[k]: _cell(k, v, settings.currency_exponent) for k, v in row.items()}
                         for row in rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _money_header(name: str, currency: str) -> str:
    return f"{name.removesuffix('_minor')} ({currency})" if name.endswith("_minor") else name


def _cell(name: str, value, exponent: int):
    if value is None:
        return ""
    if name.endswith("_minor"):
        return str(Decimal(value).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent)))
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
@blp.arguments(RangeQuerySchema, location="query")
@blp.response(200, SalesReportSchema)
@CSV_RESPONSE
def sales_report(query):
    """Per store and local day: baskets, sales, members' share, average basket members and not."""
    rows = sales.sales_by_store_day(reports_session(), query["since"], query["until"], query["store"])
    return _report(rows, "sales", query)


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
