"""The reports' queries on PostgreSQL use indexes for their date ranges and store filters, and the
roll-up reports never read the raw sales or ledger.

On a seeded (small) chain every SELECT a report request runs is captured and EXPLAINed with
``enable_seqscan = off``: with that, PostgreSQL still scans a table sequentially, or reads a whole
index without a condition, only when no index serves the query's predicates. Each scan of a table
must therefore carry an index condition, except the whole-table reads a report makes by design
(listed in WHOLE, each with its reason). The indexes this needed came with migration reports15_report_indexes."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select, text

from bench.scale_seed import Size, seed
from server.app import create_app
from server.models import PromotionVersion
from server.pricing import simulation
from server.reports.rollups import run_rollups
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support.clock import FakeClock
from tests.support.factories import login, make_staff

pytestmark = pytest.mark.postgres

TINY = Size(stores=4, tills=8, members=300, days=200, sales=2_000, products=150)
RAW = {"transactions", "transaction_lines", "ledger_entries", "sale_discounts"}
SPAN = "from=2026-02-01&to=2026-03-31"
REPORTS = {  # path: reads only roll-ups (and small reference tables)?
    f"sales?{SPAN}": True, f"sales?{SPAN}&store=S001": True, f"sales?{SPAN}&limit=10": True,
    f"sales?{SPAN}&period=week": True, f"sales?{SPAN}&period=month&store=S001": True,
    f"sales?{SPAN}&format=csv": True,
    f"sales-by-category?{SPAN}": True, f"sales-by-category?{SPAN}&store=S002": True,
    f"points?{SPAN}&period=day": True, "liability": True, "breakage": True,
    f"cross-store?{SPAN}": True, f"cross-store?{SPAN}&store=S003": True,
    f"tiers?{SPAN}": True, "churn-risk?as_of=2026-06-01": True,
    "reconciliation?since=2026-03-01T00:00:00Z&until=2026-04-01T00:00:00Z&store=S001": False,
    "sync-health?store=S001": False,
}
# (report, table): read whole on purpose.
WHOLE = {
    ("liability", "rollup_member_lots"): "the outstanding points of every member, by expiry month",
    ("breakage", "rollup_member_lots"): "all outstanding points, for the forecast",
    ("breakage", "rollup_points_cohort"): "every earn month (one row a month)",
    ("tiers", "members"): "members per tier now, over all members",
    ("promotions", "members"): "the audience is every member in good standing the targeting reaches",
    ("promotions", "promotion_versions"): "a promotion's versions (a handful of rows)",
    ("sync-health", "stores"): "every till of the store: stores and terminals are reference tables",
    ("sync-health", "terminals"): "as above",
    ("sync-health", "feed_positions"): "one row per till",
    ("sync-health", "journal_rejections"): "the unresolved refusals (kept few: each is work for a person)",
    ("reconciliation", "journal_rejections"): "as above",
    ("sync-health", "change_log"): "max(seq), the feed's head, over its primary key (at scale from the index's end)",
    ("cross-store", "members"): "flows by home store join the members who shopped in the range",
}
# Read whole by any request, whatever the report: the loyalty programme's versions (a handful of
# rows), which each process re-reads at most once a second (server.membership.programme_versions).
EVERY_REQUEST = {"programme_versions": "the programme's versions, read whole at most once a second"}


def scans(plan: dict, limited: bool = False):
    """(relation, node type, served) for every node that reads a table: served by an index
    condition, or an index read in order under a Limit (a max() reads one entry)."""
    relation = plan.get("Relation Name")
    if relation:
        served = "Index Cond" in plan or "Recheck Cond" in plan or (limited and "Index" in plan["Node Type"])
        yield relation, plan["Node Type"], served
    for child in plan.get("Plans", ()):
        yield from scans(child, limited or plan["Node Type"] == "Limit")


@pytest.fixture
def seeded(postgres_database, tmp_path):
    postgres_database.reset()
    seed(postgres_database.url, TINY, date(2026, 6, 1), seed_value=5, quiet=True)
    clock = FakeClock()
    clock.now = datetime(2026, 6, 1, 0, 5, tzinfo=UTC)
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "database_url": postgres_database.url,
                                                    "secret_key": TEST_SECRET}), clock=clock)
    client = create_app(services=services).test_client()
    run_rollups()
    make_staff(services, "hanna", "hq")
    with services.db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    yield services, client
    services.dispose()


def captured(services, call) -> list[tuple[str, object]]:
    statements = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
    return statements


def plan_of(services, statement: str, parameters) -> dict:
    with services.db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0]
        conn.rollback()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def test_report_queries_use_indexes_for_their_ranges_and_filters(seeded):
    services, client = seeded
    hq = login(client, "hanna")
    with services.db.session() as session:
        promotions = [str(v.promotion_id) for v in session.scalars(select(PromotionVersion))]
    paths = dict(REPORTS) | {f"promotions/{pid}": True for pid in promotions}
    problems = []
    for path, rollups_only in paths.items():
        def call(path=path):
            answer = client.get(f"/api/v1/reports/{path}", headers=hq)
            assert answer.status_code == 200, (path, answer.json)

        report = path.split("?")[0].split("/")[0]
        for statement, parameters in captured(services, call):
            if "staff_users" in statement or "revoked" in statement:
                continue  # signing in
            tables = {relation for relation, _, _ in scans(plan_of(services, statement, parameters))}
            if rollups_only:
                assert not tables & RAW, (path, statement)
            for relation, node, conditioned in scans(plan_of(services, statement, parameters)):
                if not conditioned and (report, relation) not in WHOLE and relation not in EVERY_REQUEST:
                    problems.append(f"{path}: {node} on {relation} without an index condition\n  {statement}")
    assert not problems, "\n".join(problems)


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def test_the_simulation_counts_and_pages_a_periods_sales_through_the_time_index(seeded):
    """Each page of the simulation on past sales starts where the last ended in the (at, id) index,
    read in order (no sort). Without it, every page of 500 sales read the whole table, or with
    sequential scans off the whole of the (store, at) index, and sorted what it found."""
    services, _ = seeded
    until = datetime(2026, 6, 1, tzinfo=UTC)
    since = until - timedelta(weeks=12)
    with services.db.session() as session:
        first = simulation._page(session, since, until, None)
        assert len(first) == simulation.PAGE  # a second page follows

        def call():
            simulation.count_sales(session, since, until)
            assert simulation._page(session, since, until, (first[-1].at, first[-1].id))
        statements = captured(services, call)
    assert len(statements) == 2
    for statement, parameters in statements:
        plan = list(nodes(plan_of(services, statement, parameters)))
        assert {n.get("Index Name") for n in plan} & {"ix_transactions_at_id"}, statement
        assert not any(n["Node Type"] == "Sort" for n in plan), statement
