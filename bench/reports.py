"""Benchmark of the HQ reports on a seeded chain: ``python -m bench.reports --database-url URL``.

On a database seeded by ``bench.scale_seed`` it first empties the report roll-ups and their
watermarks and times the roll-up job catching up with the whole backlog (rows/s, per feed), then
analyzes the roll-ups (PostgreSQL would plan the reports for the empty tables until autovacuum
does). Then
it starts a real ``onecard server`` (gunicorn) on that database, signs in an hq user it creates
(``bench-hq``, once), and requests each report ``--requests`` times in turn over HTTP, printing
p50 and p95 per report beside the same run's baselines: ``GET /api/v1/health`` over the same
HTTP path, and a PostgreSQL primary-key select (a member by id) from this process. The machine
is printed with the figures; these VMs are shared, so read the figures as ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select, text

from bench.machine import describe, percentile
from server.audit import Actor
from server.models import JobWatermark, Member, PromotionVersion, StaffUser, Store
from server.reports.rollups import FEEDS, run_rollups
from server.services import Services
from server.settings import Settings
from server.staff import create_staff_user

USER, PASSWORD = "bench-hq", "bench-hq-password-long-enough"
SECRET = "bench-reports-secret-key-0123456789abcdef"
ROLLUPS = ("rollup_sales_day", "rollup_chain_day", "rollup_category_day", "rollup_chain_category_day",
           "rollup_points_day",
           "rollup_points_cohort", "rollup_member_store_month", "rollup_member_activity", "rollup_member_lots",
           "rollup_member_day", "rollup_product_day", "rollup_promotion_day", "rollup_promotion_member",
           "rollup_holdout_bucket")


def catch_up(services: Services) -> list[str]:
    """Empty the roll-ups, then time the job adding the whole backlog back."""
    with services.db.session() as session:
        session.execute(text(f"TRUNCATE {', '.join(ROLLUPS)}"))
        session.execute(JobWatermark.__table__.delete().where(JobWatermark.job.in_([f.job for f in FEEDS])))
        session.commit()
    began = time.perf_counter()
    applied = run_rollups(services.clock() + timedelta(days=1))
    seconds = time.perf_counter() - began
    # The planner's statistics still describe the emptied tables (a cross-store year was planned as
    # 259 rows, not 51,657, and joined member by member); autovacuum's analyze would soon fix that
    # on a live system, so the reports are timed on fresh statistics, as they would run there.
    with services.db.engine.begin() as connection:
        connection.execute(text(f"ANALYZE {', '.join(ROLLUPS)}"))
    total = sum(applied[feed.job] for feed in FEEDS)  # feed rows; the members bucketed are listed apart
    lines = [f"roll-up catch-up: {total:,} rows in {seconds:.1f} s = {total / seconds:,.0f} rows/s "
             f"({', '.join(f'{job} {n:,}' for job, n in applied.items())})"]
    return lines


def http(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.status, answer.read()


def start_server(url: str, port: int, data_dir: str) -> subprocess.Popen:
    env = {**os.environ, "ONECARD_DATABASE_URL": url, "ONECARD_SECRET_KEY": SECRET, "ONECARD_DATA_DIR": data_dir,
           "ONECARD_WEB_APPS": "none"}
    env.pop("ONECARD_REDIS_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "server", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if http("GET", f"http://127.0.0.1:{port}/api/v1/health")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("bench.reports: the server did not answer /api/v1/health within 60 s")


def timed(call, count: int) -> tuple[float, float]:
    """p50 and p95 of ``count`` calls, in milliseconds."""
    times = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), percentile(times, 0.95)


def report_paths(services: Services) -> list[str]:
    """Each report over the last month and the last year of the data, and the targeted promotions.
    Sales by store answer in pages of 1,000 rows (the default): the month's and the year's first
    page by day, the year by week and by month, and the whole year as CSV (never paged)."""
    today = services.clock().date()
    month, year = f"from={today - timedelta(days=30)}&to={today}", f"from={today - timedelta(days=365)}&to={today}"
    with services.db.session() as session:
        targeted = [str(v.promotion_id) for v in session.scalars(select(PromotionVersion))
                    if v.definition["targeting"].get("holdout_bp")]
    with services.db.session() as session:
        store = session.scalar(select(Store.code).order_by(Store.code).limit(1))
    return [f"sales?{month}", f"sales?{year}", f"sales?{year}&period=week", f"sales?{year}&period=month",
            f"sales?{year}&format=csv", f"sales-by-category?{year}", f"sales-by-category?{year}&store={store}",
            f"points?{year}&period=month", "liability", "breakage", f"cross-store?{year}", f"tiers?{year}",
            "churn-risk", "sync-health", *(f"promotions/{pid}" for pid in targeted)]


def ensure_user(services: Services) -> None:
    with services.db.session() as session:
        if session.scalar(select(StaffUser.id).where(StaffUser.username == USER)) is None:
            create_staff_user(session, USER, PASSWORD, "hq", services.clock(), Actor.system("bench.reports"))
            session.commit()


def primary_key_select(url: str, member_ids: list) -> callable:
    engine = create_engine(url)
    connection = engine.connect()
    rng = random.Random(1)

    def one() -> None:
        connection.execute(select(Member.tier).where(Member.id == rng.choice(member_ids))).one()
    return one


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database seeded by bench.scale_seed")
    parser.add_argument("--requests", type=int, default=30, help="requests per report")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-catch-up", action="store_true", help="keep the roll-ups as they are")
    args = parser.parse_args(argv)
    print(describe())
    with tempfile.TemporaryDirectory() as data_dir:
        services = Services.build(Settings.from_values({"database_url": args.database_url, "data_dir": data_dir,
                                                        "secret_key": SECRET}))
        from server.jobs import context

        context.install(services)
        with services.db.session() as session:
            counts = {table: session.scalar(text(f"SELECT count(*) FROM {table}"))
                      for table in ("stores", "members", "transactions", "ledger_entries")}
            member_ids = list(session.scalars(select(Member.id).limit(5000)))
        print("data: " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
        if not args.skip_catch_up:
            for line in catch_up(services):
                print(line)
        ensure_user(services)
        server = start_server(services.settings.database_url, args.port, str(Path(data_dir) / "server"))
        try:
            base = f"http://127.0.0.1:{args.port}"
            token = json.loads(http("POST", f"{base}/api/v1/auth/token",
                                    {"username": USER, "password": PASSWORD})[1])["access_token"]
            rows = [("GET /health (baseline)", *timed(lambda: http("GET", f"{base}/api/v1/health"), args.requests)),
                    ("PostgreSQL primary-key select (baseline)",
                     *timed(primary_key_select(services.settings.database_url, member_ids), args.requests * 10))]
            for path in report_paths(services):
                url = f"{base}/api/v1/reports/{path}"
                rows.append((f"GET /reports/{path}", *timed(lambda url=url: http("GET", url, token=token),
                                                             args.requests)))
        finally:
            server.terminate()
            server.wait(timeout=30)
        services.db.dispose()
    print(f"{'request':<70} {'p50 ms':>9} {'p95 ms':>9}   at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    for name, p50, p95 in rows:
        print(f"{name[:70]:<70} {p50:>9.1f} {p95:>9.1f}")


if __name__ == "__main__":
    main()
