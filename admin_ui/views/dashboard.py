"""HQ: the chain at a glance — sales per day, members' share, points issued and redeemed, the points
liability — with date and store filters, drawn as server-side SVG charts from the reports service."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, render_template
from sqlalchemy import select

from admin_ui import formatting
from admin_ui.access import staff_page
from admin_ui.blueprint import bp
from admin_ui.charts import Unit, chart
from admin_ui.dashboard import days_of, periods_of, totals_of
from admin_ui.tables import Column, Filter, TableSpec
from admin_ui.views.hq import with_stores
from server.api.context import db_session, services
from server.auth.roles import Role
from server.models import JobWatermark
from server.reports import points, sales
from server.reports.rollups import LIABILITY_JOB

DEFAULT_DAYS = 28
MAX_DAYS = 366

FILTERS = TableSpec(name="dashboard", caption="Dashboard", columns=(),
                    filters=(Filter("from", "From", "date"), Filter("to", "To", "date"),
                             Filter("store", "Store", "select")))
DAYS_TABLE = TableSpec(
    name="chain-days", caption="Per day",
    columns=(Column("day", "Day", "day"), Column("baskets", "Baskets", "number"),
             Column("sales_minor", "Sales", "money"), Column("member_sales_minor", "Members' sales", "money"),
             Column("member_share", "Members' share"), Column("issued", "Points issued", "points"),
             Column("redeemed", "Points redeemed", "points"), Column("expired", "Points expired", "points")),
    per_page=31)


@bp.route("/dashboard")
@staff_page(Role.HQ)
def dashboard():
    session, svc = db_session(), services()
    spec = with_stores(FILTERS)
    filters = spec.read_filters()
    until = filters.values["to"] or svc.clock().date()
    since = filters.values["from"] or until - timedelta(days=DEFAULT_DAYS - 1)
    errors = dict(filters.errors)
    if since > until or (until - since).days >= MAX_DAYS:
        errors["from"] = f"From: choose a day on or before To, at most {MAX_DAYS} days earlier."
        until, since = svc.clock().date(), svc.clock().date() - timedelta(days=DEFAULT_DAYS - 1)
    store = filters.values["store"]
    sales_rows = sales.sales_by_day(session, since, until, store)
    points_rows = points.points_by_period(session, since, until, monthly=False)
    liability_rows = _liability(session, svc.program.redemption.value)
    days = days_of(since, until, sales_rows, points_rows)
    table = DAYS_TABLE.show(days, _day_row, filters._replace(errors=errors))
    if isinstance(table, Response):
        return table
    return render_template("admin/dashboard.html", spec=spec, filters=filters, errors=errors, since=since,
                           until=until, store=store, table=table, default_days=DEFAULT_DAYS,
                           charts=_charts(days, liability_rows), totals=totals_of(days, sales_rows, liability_rows))


def _liability(session, value) -> list[dict]:
    """The liability report, read again only when its roll-up has moved.

    Its rows (every member's lots by expiry month, a scan of the whole roll-up) change only in the
    transaction that moves the ``rollup-liability`` watermark, so this app keeps the last answer
    under that watermark and the point value; before the roll-up has ever run, nothing is kept.
    """
    mark = session.scalar(select(JobWatermark.watermark).where(JobWatermark.job == LIABILITY_JOB))
    if mark is None:
        return points.liability(session, value)
    rows = current_app.extensions.get("admin_ui.liability", {}).get((mark, value))
    if rows is None:
        rows = points.liability(session, value)
        current_app.extensions["admin_ui.liability"] = {(mark, value): rows}  # replaced whole: threads may read
    return rows


def _day_row(day) -> dict:
    share = day.member_share_bp
    return {"day": day.day, "baskets": day.baskets, "sales_minor": day.sales_minor,
            "member_sales_minor": day.member_sales_minor, "issued": day.issued, "redeemed": day.redeemed,
            "expired": day.expired, "member_share": None if share is None else f"{formatting.percent_text(share)} %"}


def _charts(days, liability_rows) -> dict:
    settings = services().settings
    money = Unit("money", settings.currency, settings.currency_exponent)

    per, periods = periods_of(days)
    labels, days = [label for label, _ in periods], [figures for _, figures in periods]
    owed = [row for row in liability_rows if row["expiry_month"] != "debt"]
    return {
        "per": per,
        "sales": chart("bar", f"Sales per {per} ({settings.currency})", labels, [
            ("Members", [d.member_sales_minor for d in days]),
            ("Other customers", [d.sales_minor - d.member_sales_minor for d in days])], money, stacked=True),
        "share": chart("line", "Members' share of sales (%)", labels,
                       [("Members' share", [d.member_share_bp for d in days])],
                       Unit("percent_bp")),
        "points": chart("bar", f"Points issued and redeemed per {per}", labels, [
            ("Issued", [d.issued for d in days]), ("Redeemed", [d.redeemed for d in days]),
            ("Expired", [d.expired for d in days])], Unit("points")),
        "liability": chart("bar", f"Outstanding points by expiry month: their value ({settings.currency})",
                           [row["expiry_month"] for row in owed], [("Value", [row["value_minor"] for row in owed])],
                           money),
    }
