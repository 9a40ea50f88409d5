"""Each report against figures computed from the raw rows in plain Python (tests/.../model.py)."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from server.reports.rollups import run_rollups
from server.schemas.reports import CrossStoreReportSchema
from tests.integration.reports.model import (
    fefo_buckets,
    raw_entries,
    raw_members,
    raw_transactions,
    sales_by_store_day,
)

MARCH = "from=2025-03-01&to=2025-03-31"


def get(chain, path: str, user: str = "hanna"):
    answer = chain.client.get(f"/api/v1/reports/{path}", headers=chain.staff(user))
    assert answer.status_code == 200, answer.json
    return answer


def test_sales_by_store_and_local_day_with_member_share_and_average_baskets(chain, services):
    run_rollups()
    expected = defaultdict(lambda: defaultdict(int))
    for (store, day, member), figures in sales_by_store_day(raw_transactions(services)).items():
        row = expected[(store, day.isoformat())]
        for name in ("sales_minor", "items", "returns", "returns_minor"):
            row[name] += figures[name]
        row["baskets"] += figures["sales"]
        row["member_baskets" if member else "other_baskets"] += figures["sales"]
        row["member_sales_minor" if member else "other_minor"] += figures["sales_minor"]
    report = get(chain, f"sales?{MARCH}").json
    assert report["currency"] == "EUR"
    assert {(r["store"], r["day"]) for r in report["rows"]} == set(expected)
    for r in report["rows"]:
        e = expected[(r["store"], r["day"])]
        assert (r["baskets"], r["sales_minor"], r["items"], r["returns"], r["returns_minor"]) == (
            e["baskets"], e["sales_minor"], e["items"], e["returns"], e["returns_minor"])
        assert r["member_sales_minor"] == e["member_sales_minor"]
        assert r["average_basket_member_minor"] == (round(e["member_sales_minor"] / e["member_baskets"])
                                                    if e["member_baskets"] else None)
        assert r["average_basket_non_member_minor"] == (round(e["other_minor"] / e["other_baskets"])
                                                        if e["other_baskets"] else None)
    b2 = get(chain, f"sales?{MARCH}&store=B2").json["rows"]
    assert {r["store"] for r in b2} == {"B2"} and len(b2) == sum(1 for s, _ in expected if s == "B2")


def test_sales_csv_has_decimal_amounts_and_the_currency_in_the_header(chain):
    run_rollups()
    lines = get(chain, "sales?from=2025-03-04&to=2025-03-04&store=A1&format=csv").get_data(as_text=True).splitlines()
    header = lines[0].split(",")
    assert "sales (EUR)" in header and "average_basket_member (EUR)" in header
    row = dict(zip(header, lines[1].split(","), strict=True))
    # Ada's 23:30 UTC sale on the 3rd is Berlin's 4th: 12.00 + 8.00
    assert row["day"] == "2025-03-04" and row["sales (EUR)"] == "20.00" and row["baskets"] == "1"


def test_sales_by_category_match_the_raw_sale_lines(chain, services):
    run_rollups()
    expected = defaultdict(lambda: [0, 0, 0, 0])
    for t in raw_transactions(services):
        if t["kind"] == "sale" and "2025-03-01" <= t["local_day"].isoformat() <= "2025-03-31":
            for line in t["lines"]:
                figures = expected[line["category"]]
                figures[0] += 1
                figures[1] += line["qty"]
                figures[2] += line["paid_minor"]
                figures[3] += line["paid_minor"] if t["member"] else 0
    rows = get(chain, f"sales-by-category?{MARCH}").json["rows"]
    assert {r["category"]: [r["lines"], r["qty"], r["sales_minor"], r["member_sales_minor"]] for r in rows} == expected


def test_points_per_day_and_month_match_the_raw_ledger(chain, services):
    run_rollups()
    kinds = {"earn": "issued", "bonus": "issued", "redeem": "redeemed", "expire": "expired",
             "adjust": "adjusted", "reverse": "reversed"}
    expected = defaultdict(lambda: defaultdict(int))
    for e in raw_entries(services):
        sign = -1 if kinds[e.kind] in ("redeemed", "expired") else 1
        expected[e.at.strftime("%Y-%m")][kinds[e.kind]] += sign * e.points
    rows = get(chain, "points?from=2025-01-01&to=2026-02-28&period=month").json["rows"]
    assert {r["period"]: {k: r[k] for k in ("issued", "redeemed", "expired", "adjusted", "reversed") if r[k]}
            for r in rows} == {month: dict(f) for month, f in expected.items()}
    days = get(chain, "points?from=2025-03-20&to=2025-03-20").json["rows"]
    assert [(d["period"], d["redeemed"]) for d in days] == [("2025-03-20", 600)]


def test_liability_by_expiry_month_matches_a_first_expiring_first_replay(chain, services):
    run_rollups()
    expected = fefo_buckets(raw_entries(services))
    rows = get(chain, "liability").json["rows"]
    assert {r["expiry_month"]: r["points"] for r in rows} == expected
    assert all(r["value_minor"] == r["points"] for r in rows)  # 100 points pay 1.00
    csv = get(chain, "liability?format=csv").get_data(as_text=True).splitlines()
    assert csv[0] == "expiry_month,points,members,value (EUR)"


def test_breakage_is_expired_over_issued_by_earn_month_and_forecasts_the_outstanding(chain, services):
    run_rollups()
    entries = raw_entries(services)
    by_id = {e.id: e for e in entries}
    issued, expired = defaultdict(int), defaultdict(int)
    for e in entries:
        if e.kind in ("earn", "bonus", "adjust") and e.points > 0:
            issued[e.at.strftime("%Y-%m")] += e.points
        if e.kind == "expire":
            expired[by_id[e.lot_id].at.strftime("%Y-%m")] -= e.points
    report = get(chain, "breakage").json
    assert {c["earn_month"]: (c["issued"], c["expired"]) for c in report["cohorts"]} == {
        m: (issued[m], expired[m]) for m in issued}
    # as of 2026-02-01 only January 2025 is mature: 400 of Ada's 1000 welcome points expired
    assert [c["earn_month"] for c in report["cohorts"] if c["mature"]] == ["2025-01"]
    assert expired["2025-01"] == 400 and report["mature_rate"] == 0.4
    outstanding = sum(fefo_buckets(entries).values())
    assert report["outstanding_points"] == outstanding
    assert report["forecast_expiring_points"] == round(outstanding * 0.4)


def test_cross_store_members_and_flows_between_stores(chain, services):
    run_rollups()
    homes = {m.id: m.home_store for m in raw_members(services)}
    stores, flows = defaultdict(set), defaultdict(lambda: [set(), 0, 0])
    for t in raw_transactions(services):
        if t["kind"] == "sale" and t["member"] and t["at"].strftime("%Y-%m") == "2025-03":
            stores[t["member_id"]].add(t["store"])
            flow = flows[(homes[t["member_id"]], t["store"])]
            flow[0].add(t["member_id"])
            flow[1] += 1
            flow[2] += t["total"]
    report = get(chain, f"cross-store?{MARCH}").json
    assert report["active_members"] == len(stores) == 3
    assert report["cross_store_members"] == sum(len(s) >= 2 for s in stores.values()) == 1  # Ada
    assert {(f["home_store"], f["store"]): [f["members"], f["visits"], f["sales_minor"]] for f in report["flows"]} == {
        key: [len(f[0]), f[1], f[2]] for key, f in flows.items()}
    assert get(chain, "cross-store?from=2025-03-01&to=2025-03-31&store=B2").json["active_members"] == 2
    assert CrossStoreReportSchema().dump(report) == report  # sent past the schema: what it would have written


def test_tier_distribution_and_churn_risk(chain, services):
    run_rollups()
    tiers = defaultdict(int)
    for m in raw_members(services):
        tiers[m.tier] += 1
    report = get(chain, f"tiers?{MARCH}").json
    assert {t["tier"]: t["members"] for t in report["tiers"]} == tiers
    as_of = datetime(2025, 5, 2, tzinfo=UTC)  # the end of 1 May
    visits = defaultdict(list)
    for t in raw_transactions(services):
        if t["kind"] == "sale" and t["member"]:
            visits[str(t["member_id"])].append(t["at"])
    at_risk = set()
    for member_id, times in visits.items():
        times.sort()
        usual = (times[-1] - times[0]) / (len(times) - 1) if len(times) >= 3 else None
        if usual is not None and as_of - times[-1] > max(2 * usual, timedelta(days=14)):
            at_risk.add(member_id)
    churn = get(chain, "churn-risk?as_of=2025-05-01").json
    assert {m["member_id"] for m in churn["members"]} == at_risk and churn["members_at_risk"] == len(at_risk)
    assert len(at_risk) == 2  # Ada and Bob; Cy came once


def test_reports_are_for_hq_and_admin_and_refuse_a_bad_range(chain, services):
    from tests.support.factories import make_staff

    make_staff(services, "root", "admin")
    assert get(chain, f"sales?{MARCH}", "root").json["rows"] == []  # nothing rolled up yet
    for user in ("mia", "sam"):
        assert chain.client.get(f"/api/v1/reports/sales?{MARCH}", headers=chain.staff(user)).status_code == 403
    hq = chain.staff()
    for bad in ("from=2025-03-31&to=2025-03-01", "from=1999-12-31&to=2025-03-01", "from=2020-01-01&to=2025-01-01",
                "to=2025-03-01"):
        answer = chain.client.get(f"/api/v1/reports/sales?{bad}", headers=hq)
        assert answer.status_code == 400 and answer.mimetype == "application/problem+json", bad
