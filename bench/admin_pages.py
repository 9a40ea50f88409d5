"""Benchmark of the back office's pages, signed in, through real HTTP: ``python -m bench.admin_pages``.

Without ``--database-url`` it migrates a fresh SQLite database in a temporary directory and seeds it
with the demo chain (``server.demo.seed``: two stores, 300 products, 20 members with a year of
purchases); with one, it uses that database as it is (for example one seeded by
``bench.scale_seed``, whose data is chain-scale; ``--till-events N`` adds N till events spread over
the stores, tills and two years, since the seed writes none). It creates one staff user per role it needs
(``bench-admin``, ``bench-marketing``, ``bench-service``, ``bench-hq``, once), starts a real
``onecard server`` (gunicorn) with the back office mounted, signs each in through the sign-in form
(session cookie and CSRF token, as a browser does) and requests each page ``--requests`` times in
turn, printing p50 and p95 beside the same run's baseline, ``GET /api/v1/health`` over the same
HTTP path, and each page's p50 as a multiple of it. The dashboard keeps its last chart drawings, so
a repeated request shows the kept ones; the last row asks for a different four weeks each time, so
each of its requests draws its charts. The machine is printed with the figures; these
VMs are shared, so read the figures as ratios within one run.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.machine import describe, percentile
from server.audit import Actor
from server.db import make_engine
from server.dbmigrate import upgrade
from server.models import LedgerEntry, Member, PromotionRecord, StaffUser, Store, Terminal, TillEvent
from server.services import Services
from server.settings import Settings
from server.staff import create_staff_user

PASSWORD = "bench-admin-pages-password"
SECRET = "bench-admin-pages-secret-key-0123456789abcdef"
ROLES = {"admin": "bench-admin", "marketing": "bench-marketing", "member_service": "bench-service", "hq": "bench-hq"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A signed-in staff user: a cookie jar and the session's CSRF token."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        token = _CSRF.search(self.get("/admin/sign-in")).group(1)
        answer = self.post("/admin/sign-in", {"username": username, "password": PASSWORD, "csrf_token": token})
        if "Sign out" not in answer:
            raise SystemExit(f"bench.admin_pages: {username} could not sign in")
        self.token = _CSRF.search(answer).group(1)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as answer:
            if answer.status != 200:
                raise SystemExit(f"bench.admin_pages: GET {path} answered {answer.status}")
            return answer.read().decode()

    def post(self, path: str, form: dict) -> str:
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(self.base + path, data=data, timeout=600) as answer:
            return answer.read().decode()


def seed_demo(settings: Settings) -> None:
    from server.demo.seed import seed_chain

    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    services = Services.build(settings)
    from server.jobs import context

    context.install(services)
    try:
        seed_chain(services, random.Random(20261126))
    finally:
        services.db.dispose()


def ensure_users(services: Services) -> None:
    with services.db.session() as session:
        for role, username in ROLES.items():
            if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is None:
                create_staff_user(session, username, PASSWORD, role, services.clock(), Actor.system("bench"))
        session.commit()


# How often each kind of till event occurs (a shift: a few sign-ins, an X and a Z, now and then a no-sale).
EVENT_MIX = (("sign_in", 30), ("sign_out", 20), ("shift_opened", 10), ("x_report", 10), ("z_report", 10),
             ("no_sale", 10), ("sign_in_refused", 7), ("locked_out", 3))


def seed_till_events(services: Services, count: int, rng: random.Random, batch: int = 5_000) -> None:
    """Write ``count`` till events (as tills send them) over the last 730 days, for the till-event pages."""
    now = services.clock()
    kinds, weights = zip(*EVENT_MIX, strict=True)
    with services.db.session() as session:
        tills = session.execute(select(Store.code, Terminal.code).join(Terminal, Terminal.store_id == Store.id)).all()
        cashier = session.scalar(select(StaffUser.id).where(StaffUser.username == ROLES["admin"]))
    table = TillEvent.__table__
    for start in range(0, count, batch):
        rows = []
        for n in range(start, min(count, start + batch)):
            (store, till), kind = rng.choice(tills), rng.choices(kinds, weights)[0]
            at = now - timedelta(seconds=rng.randrange(730 * 86_400))
            body = {"id": f"bench-ev-{n:012d}", "kind": kind, "store": store, "terminal": till, "at": at.isoformat(),
                    "cashier_id": str(cashier), "reason": "change for the float" if kind == "no_sale" else None}
            if kind in ("x_report", "z_report"):
                expected = rng.randrange(10_000, 200_000)
                counted = expected + rng.choice((0, 0, 0, -200, 100)) if kind == "z_report" else None
                body["figures"] = {"shift_id": f"bench-shift-{n:08d}", "sales_count": rng.randrange(20, 400),
                                   "sales_minor": rng.randrange(50_000, 2_000_000), "expected_cash_minor": expected,
                                   "counted_cash_minor": counted,
                                   "difference_minor": None if counted is None else counted - expected}
            rows.append({"id": body["id"], "kind": kind, "store_code": store, "terminal_code": till, "at": at,
                         "cashier_id": cashier, "approver_id": None, "body": body, "received_at": at})
        with services.db.engine.begin() as conn:
            conn.execute(table.insert(), rows)


def start_server(url: str, port: int, data_dir: str) -> subprocess.Popen:
    env = {**os.environ, "ONECARD_DATABASE_URL": url, "ONECARD_SECRET_KEY": SECRET, "ONECARD_DATA_DIR": data_dir,
           "ONECARD_WEB_APPS": "admin_ui.web:mount"}
    env.pop("ONECARD_REDIS_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "server", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("bench.admin_pages: the server did not answer /api/v1/health within 60 s")


def timed(call, count: int) -> tuple[float, float]:
    """p50 and p95 of ``count`` calls, in milliseconds."""
    times = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), percentile(times, 0.95)


def pages(services: Services) -> list[tuple[str, str]]:
    """(role, path) of each page measured: lists, the busiest member, a promotion, the dashboard, the
    programme, tax classes, till events and a till PIN page."""
    today = services.clock().date()
    with services.db.session() as session:
        busiest = session.execute(select(LedgerEntry.member_id, func.count()).group_by(LedgerEntry.member_id)
                                  .order_by(func.count().desc()).limit(1)).first()
        member = session.get(Member, busiest[0]) if busiest else session.scalars(select(Member).limit(1)).first()
        promotion = session.scalars(select(PromotionRecord.id).order_by(PromotionRecord.id).limit(1)).first()
        store = session.scalars(select(Store.code).order_by(Store.code).limit(1)).first()
    found = [("member_service", f"/admin/members?q={urllib.parse.quote(member.name.split()[0])}"),
             ("member_service", f"/admin/members/{member.id}"), ("member_service", "/admin/approvals"),
             ("marketing", "/admin/promotions"), ("marketing", "/admin/segments"),
             ("hq", "/admin/dashboard"), ("hq", f"/admin/dashboard?from={today - timedelta(days=364)}&to={today}"),
             ("hq", f"/admin/dashboard?store={store}"), ("hq", "/admin/reconciliation"), ("hq", "/admin/sync-health"),
             ("admin", "/admin/stores"), ("admin", "/admin/staff"), ("admin", "/admin/audit"),
             ("marketing", "/admin/programme"), ("marketing", "/admin/programme/new"),
             ("marketing", "/admin/programme/versions/1"), ("hq", "/admin/tax-classes"),
             ("hq", "/admin/till-events"), ("hq", f"/admin/till-events?store={store}"),
             ("hq", "/admin/till-events?kind=z_report"), ("admin", "/admin/staff/bench-admin/pin")]
    if promotion is not None:
        found.insert(5, ("marketing", f"/admin/promotions/{promotion}"))
    return found


def sliding_dashboard(browser: Browser, today) -> callable:
    """The dashboard over four weeks ending a day earlier each time: new figures, so its charts are drawn."""
    ends = iter(range(10_000))

    def one() -> None:
        end = today - timedelta(days=next(ends))
        browser.get(f"/admin/dashboard?from={end - timedelta(days=27)}&to={end}")
    return one


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.admin_pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a seeded database to use as it is (default: the demo chain on SQLite)")
    parser.add_argument("--requests", type=int, default=30, help="requests per page")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--till-events", type=int, default=0,
                        help="till events to add first, when the database has none (the scale seed writes none)")
    args = parser.parse_args(argv)
    print(describe())
    with tempfile.TemporaryDirectory() as data_dir:
        url = args.database_url or f"sqlite:///{Path(data_dir) / 'bench.db'}"
        settings = Settings.from_values({"database_url": url, "data_dir": data_dir, "secret_key": SECRET})
        if not args.database_url:
            print("seeding the demo chain...")
            seed_demo(settings)
        services = Services.build(settings)
        ensure_users(services)
        with services.db.session() as session:
            has_events = session.scalar(select(TillEvent.id).limit(1)) is not None
        if args.till_events and not has_events:
            print(f"adding {args.till_events:,} till events...")
            seed_till_events(services, args.till_events, random.Random(20261130))
        with services.db.session() as session:
            counts = {name: session.scalar(select(func.count()).select_from(model))
                      for name, model in (("members", Member), ("ledger entries", LedgerEntry),
                                          ("till events", TillEvent))}
        print("data: " + ", ".join(f"{name} {n:,}" for name, n in counts.items())
              + f" ({services.settings.database_url_safe})")
        server = start_server(url, args.port, str(Path(data_dir) / "server"))
        try:
            base = f"http://127.0.0.1:{args.port}"
            browsers = {role: Browser(base, username) for role, username in ROLES.items()}
            health = browsers["hq"].opener

            def baseline() -> None:
                with health.open(f"{base}/api/v1/health", timeout=60) as answer:
                    answer.read()

            rows = [("GET /api/v1/health (baseline)", *timed(baseline, args.requests))]
            for role, path in pages(services):
                rows.append((f"{role}: GET {path}", *timed(lambda b=browsers[role], p=path: b.get(p), args.requests)))
            rows.append(("hq: GET /admin/dashboard, 28 days ending a day earlier each time (drawn anew)",
                         *timed(sliding_dashboard(browsers["hq"], services.clock().date()), args.requests)))
        finally:
            server.terminate()
            server.wait(timeout=30)
        services.db.dispose()
    health_p50 = rows[0][1]
    print(f"{'page':<78} {'p50 ms':>8} {'p95 ms':>8} {'x health':>9}   at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    for name, p50, p95 in rows:
        print(f"{name[:78]:<78} {p50:>8.1f} {p95:>8.1f} {p50 / health_p50:>9.1f}")


if __name__ == "__main__":
    main()
