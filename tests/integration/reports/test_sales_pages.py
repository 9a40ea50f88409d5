"""Sales by store in pages, by week and month, as a streamed CSV, and sales by category from the
chain's own roll-up: each against figures computed from the raw rows in plain Python."""

import base64
import csv
import io
import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from server.models import CategoryDay, ChainCategoryDay
from server.reports.rollups import run_rollups
from tests.integration.reports.model import raw_transactions, sales_by_store_day

MARCH = "from=2025-03-01&to=2025-03-31"
OLD_COLUMNS = ("store", "day", "baskets", "sales_minor", "member_baskets", "member_sales_minor", "items", "returns",
               "returns_minor", "member_share", "average_basket_member_minor", "average_basket_non_member_minor",
               "net_sales_minor")
FIGURES = ("baskets", "sales_minor", "member_baskets", "member_sales_minor", "items", "returns", "returns_minor")


def get(chain, path: str):
    answer = chain.client.get(f"/api/v1/reports/{path}", headers=chain.staff())
    assert answer.status_code == 200, answer.json
    return answer


def every_page(chain, path: str, limit: int) -> tuple[list[dict], int]:
    rows, pages, cursor = [], 0, None
    while True:
        report = get(chain, f"{path}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")).json
        rows, pages, cursor = rows + report["rows"], pages + 1, report["next_cursor"]
        assert len(report["rows"]) <= limit
        if cursor is None:
            return rows, pages


def expected_by_period(services, first: date, last: date, start_of) -> dict[tuple, dict[str, int]]:
    """(store, first day of the period) -> figures of the period's local days from first to last."""
    out = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for (store, day, member), f in sales_by_store_day(raw_transactions(services)).items():
        if first <= day <= last:
            row = out[(store, start_of(day).isoformat())]
            for name, value in (("baskets", f["sales"]), ("sales_minor", f["sales_minor"]), ("items", f["items"]),
                                ("returns", f["returns"]), ("returns_minor", f["returns_minor"])):
                row[name] += value
            if member:
                row["member_baskets"] += f["sales"]
                row["member_sales_minor"] += f["sales_minor"]
    return dict(out)


def test_sales_pages_concatenate_to_the_whole_range_and_a_foreign_cursor_is_a_400_problem(chain, services):
    run_rollups()
    store_days = sorted(expected_by_period(services, date(2025, 3, 1), date(2025, 3, 31), lambda d: d))
    whole = get(chain, f"sales?{MARCH}&limit=10000").json
    assert whole["next_cursor"] is None and [(r["store"], r["day"]) for r in whole["rows"]] == store_days
    rows, pages = every_page(chain, f"sales?{MARCH}", 3)
    assert rows == whole["rows"] and pages == -(-len(store_days) // 3) and pages > 3
    assert get(chain, f"sales?{MARCH}&limit={len(store_days)}").json["next_cursor"] is None  # no empty last page
    month_cursor = get(chain, f"sales?{MARCH}&period=month&limit=1").json["next_cursor"]
    garbage = base64.urlsafe_b64encode(json.dumps(["day", 7, "x"]).encode()).decode()
    for cursor in ("not-a-cursor", garbage, month_cursor):  # a month page's cursor is not a day page's
        answer = chain.client.get(f"/api/v1/reports/sales?{MARCH}&cursor={cursor}", headers=chain.staff())
        assert answer.status_code == 400 and answer.mimetype == "application/problem+json", cursor
        assert answer.json["type"].endswith("invalid-cursor")
    too_many = chain.client.get(f"/api/v1/reports/sales?{MARCH}&limit=10001", headers=chain.staff())
    assert too_many.status_code == 400 and "limit" in too_many.json["errors"]


def test_sales_by_iso_week_and_calendar_month_add_up_the_local_days_in_the_range(chain, services):
    run_rollups()
    first, last = date(2025, 3, 4), date(2025, 3, 25)  # a Tuesday: its week is labelled Monday the 3rd
    span = f"from={first}&to={last}"
    for period, start_of in (("week", lambda d: d - timedelta(days=d.weekday())),
                             ("month", lambda d: d.replace(day=1))):
        expected = expected_by_period(services, first, last, start_of)
        rows, _ = every_page(chain, f"sales?{span}&period={period}", 2)
        assert {(r["store"], r["day"]): {name: r[name] for name in FIGURES} for r in rows} == expected, period
        assert len(rows) == len(expected)
        for r in rows:
            e = expected[(r["store"], r["day"])]
            others = e["baskets"] - e["member_baskets"]
            assert r["average_basket_non_member_minor"] == (
                round((e["sales_minor"] - e["member_sales_minor"]) / others) if others else None)
            assert r["net_sales_minor"] == e["sales_minor"] - e["returns_minor"]
    assert get(chain, f"sales?{span}&period=week").json["period"] == "week"
    b2 = get(chain, f"sales?{span}&period=month&store=B2").json["rows"]
    assert [(r["store"], r["day"]) for r in b2] == [("B2", "2025-03-01")]


def old_csv(rows: list[dict]) -> str:
    """The sales CSV as it was written before it was streamed: the report's rows (in the columns'
    order of those days) through csv.DictWriter, money as Decimal amounts quantized to cents under
    a header naming the currency."""
    out = io.StringIO()
    headers = {k: f"{k.removesuffix('_minor')} (EUR)" if k.endswith("_minor") else k for k in OLD_COLUMNS}
    writer = csv.DictWriter(out, fieldnames=list(headers.values()))
    writer.writeheader()
    for row in rows:
        writer.writerow({headers[k]: "" if row[k] is None else str(Decimal(row[k]).scaleb(-2).quantize(Decimal("0.01")))
                         if k.endswith("_minor") else row[k] for k in OLD_COLUMNS})
    return out.getvalue()


def test_the_streamed_sales_csv_is_the_old_format_of_every_paged_row(chain):
    run_rollups()
    for period in ("day", "month"):
        rows, _ = every_page(chain, f"sales?{MARCH}&period={period}", 4)
        answer = get(chain, f"sales?{MARCH}&period={period}&format=csv&limit=1")  # the CSV is never paged
        assert answer.is_streamed and answer.mimetype == "text/csv"
        assert answer.get_data(as_text=True) == old_csv(rows), period


def test_the_chain_category_days_are_the_store_category_days_added_up_and_the_raw_lines(chain, services):
    run_rollups()
    raw = defaultdict(lambda: [0, 0, 0])
    for t in raw_transactions(services):
        for line in t["lines"] if t["kind"] == "sale" else ():
            figures = raw[(t["local_day"], line["category"], t["member"])]
            for i, value in enumerate((1, line["qty"], line["paid_minor"])):
                figures[i] += value
    with services.db.session() as session:
        summed = defaultdict(lambda: [0, 0, 0])
        for r in session.scalars(select(CategoryDay)):
            figures = summed[(r.day, r.category, r.member)]
            for i, value in enumerate((r.lines, r.qty, r.amount_minor)):
                figures[i] += value
        chain_rows = {(r.day, r.category, r.member): [r.lines, r.qty, r.amount_minor]
                      for r in session.scalars(select(ChainCategoryDay))}
    assert chain_rows == dict(summed) == dict(raw)
    b2 = defaultdict(int)
    for t in raw_transactions(services):
        if t["kind"] == "sale" and t["store"] == "B2":
            for line in t["lines"]:
                b2[line["category"]] += line["paid_minor"]
    rows = get(chain, f"sales-by-category?{MARCH}&store=B2").json["rows"]
    assert {r["category"]: r["sales_minor"] for r in rows} == b2
