"""The server's hot paths over real HTTP, beside the same run's baselines: ``python -m bench.hot_paths``.

Starts ``onecard server`` (gunicorn, 2 workers x 4 threads, as deployed) on a fresh PostgreSQL
database with Redis, seeded through the demo seeder with 1,000 products, a member price list and
five promotions, plus a new member and, per client, one with 2,000 ledger entries (2,000 open lots:
the adjustments a member service desk makes, posted in chunks). Client processes (one
terminal credential each) send signed requests over keep-alive connections for a few seconds per
path. Baselines from the same run: a bare gunicorn hello-world app with the same worker model,
GET /api/v1/health, and a PostgreSQL primary-key select and single INSERT+COMMIT (psycopg, one
connection per client process, on this machine). The last path, "sale replay", is a till whose
acknowledgement was lost: each client posts one sale, then sends that same sale again and again
(answered 200 with the first outcome). Not part of CI; never imports tests/.

Left out: the till's own work (pricing, its SQLite), TLS, a network between client and server
(everything runs on one machine, so clients and server share its CPUs), quotes and journal batches.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import requests

from bench.machine import describe, percentile
from bench.scratch import ScratchDatabase, honest_lines, scratch_run

REDIS_URL = os.environ.get("ONECARD_BENCH_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "bench-secret-key-long-enough-for-onecard"
HEAVY_ENTRIES = 2000


def hello_app(environ, start_response):
    """The baseline: what gunicorn alone serves with this worker model."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


@dataclass
class Seeded:
    credentials: list[str]  # one terminal of store A per client process, as text
    new_card: str
    heavy_cards: list[str]  # one 2,000-entry member per client process (the first is looked up)
    sale_cards: list[str]  # one member per client process, so sales do not queue on one account
    sale_lines: list[dict]


@dataclass(frozen=True)
class Job:
    """What one client process does in one phase."""

    phase: str
    url: str
    credential: str | None
    start_at: float
    seconds: float
    card: str = ""  # a card number; for a sale "terminal|card number"
    lines: tuple = ()
    dsn: str = ""


# ---- seeding (in this process, before the server starts) ----

def _seed(settings_values: dict[str, str], clients: int) -> Seeded:
    from server.audit import Actor
    from server.dbmigrate import upgrade
    from server.demo.seed import seed_chain
    from server.membership.members import Enrolment, enrol
    from server.membership.service_desk import adjust_points
    from server.models import Store
    from server.services import Services
    from server.settings import Settings
    from server.terminals import register_terminal

    services = Services.build(Settings.from_values(settings_values))
    upgrade(services.db.engine)
    chain = seed_chain(services, random.Random(14), product_count=1000, member_count=6)
    now, actor = services.clock(), Actor.system("bench")
    with services.db.session() as session:
        from sqlalchemy import select

        store = session.scalar(select(Store).where(Store.code == "A"))
        credentials = [str(register_terminal(session, store, f"B{n}", now, actor)[1]) for n in range(clients)]
        cards = []
        for n in range(2 * clients + 1):
            member, card = enrol(session, Enrolment(name=f"Bench Member {n}"), services.program, now, actor)
            adjust_points(session, member.id, f"bench-open-{n}", 500, "opening balance", services.program, now, actor)
            cards.append((member.id, card.number))
        session.commit()
        for member_id, _ in cards[1:clients + 1]:
            _seed_history(session, member_id, services.program, now)
        lines = honest_lines(session, services, "A", cards[clients + 1][1], _lines(chain), chain.categories, now)
        session.rollback()
    services.db.dispose()
    heavy = [number for _, number in cards[1:clients + 1]]
    return Seeded(credentials, cards[0][1], heavy, [c for _, c in cards[clients + 1:]], lines)


def _seed_history(session, member_id: uuid.UUID, program, now: datetime) -> None:
    """Give the member HEAVY_ENTRIES - 1 more adjustments of one point (the opening balance was the
    first entry), each its own open lot: the entries ``adjust_points`` makes, posted 100 at a time
    (one at a time, through the service desk, each re-read the member's whole ledger)."""
    from sqlalchemy import select

    from loyalty.adjustments import adjust
    from loyalty.commands import AdjustPoints
    from server.membership.ledger import load_kept, lock_member, post_entries
    from server.models import MemberBalance

    for first in range(0, HEAVY_ENTRIES - 1, 100):
        lock_member(session, member_id)
        entries = [adjust(AdjustPoints(account_id=str(member_id), adjustment_id=f"{member_id}/bench-heavy-{n}",
                                       points=1, at=now, reason="history", actor="bench"), program.expiry)
                   for n in range(first, min(first + 100, HEAVY_ENTRIES - 1))]
        post_entries(session, load_kept(session, member_id), entries, now)
        session.commit()
    row = session.execute(select(MemberBalance.lots, MemberBalance.lot_tail).where(
        MemberBalance.member_id == member_id)).one()
    if len(row.lots) + len(row.lot_tail) != HEAVY_ENTRIES:
        raise RuntimeError(f"the heavy member has {len(row.lots) + len(row.lot_tail)} open lots, not {HEAVY_ENTRIES}")


def _lines(chain) -> tuple[dict, ...]:
    """A basket of 6 items on 4 lines: 3 snacks (the 3-for-2 promotion), coffee at member price, two
    others; the sale sends them as the server's engine prices them for the selling members (new
    members, all of one tier), as an honest till does."""
    snacks = [sku for sku, cat in chain.categories.items() if cat == "snacks"][:1]
    coffee = [sku for sku, cat in chain.categories.items() if cat == "coffee"][:1]
    others = [sku for sku, cat in chain.categories.items() if cat not in ("snacks", "coffee")][:2]
    picks = [(sku, 3) for sku in snacks] + [(sku, 1) for sku in coffee + others]
    return tuple({"line_id": str(i), "sku": sku, "qty": qty} for i, (sku, qty) in enumerate(picks, start=1))


# ---- servers ----

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], env: dict[str, str], url: str) -> subprocess.Popen:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return process
        except requests.RequestException:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{' '.join(args)} exited with {process.returncode}")
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{' '.join(args)} did not answer {url} within 30 s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


# ---- clients (each in its own process) ----

def _client(job: Job) -> tuple[list[float], dict[int, int]]:
    """Run ``job`` until its time is up; returns the latencies (s) and the unexpected answers by status."""
    if job.phase in ("pk select", "insert+commit"):
        return _pg_client(job)
    session = _session(job)
    return timed(job, *_request_for(job, session))


def timed(job: Job, request, expected: int) -> tuple[list[float], dict[int, int]]:
    """Call ``request`` (which answers a status) until ``job``'s time is up, timing each call."""
    request()  # a first call opens the connection (and learns the feed's ETag) before the clock runs
    latencies, wrong = [], {}
    while time.time() < job.start_at:
        time.sleep(0.005)
    end = job.start_at + job.seconds
    while (started := time.perf_counter()) and time.time() < end:
        status = request()
        latencies.append(time.perf_counter() - started)
        if status != expected:
            wrong[status] = wrong.get(status, 0) + 1
    return latencies, wrong


def _session(job: Job) -> requests.Session:
    from store_sync.http.client import terminal_session
    from store_sync.signing import TerminalCredential

    if job.credential is None:
        return requests.Session()
    return terminal_session(TerminalCredential.parse(job.credential), job.url)


def _request_for(job: Job, session: requests.Session):
    if job.phase == "hello world" or job.phase == "health":
        path = "/" if job.phase == "hello world" else "/api/v1/health"
        return (lambda: session.get(job.url + path).status_code), 200
    if job.phase == "poll at head":  # counted as expected: 304, or 200 with an empty page (the head moved)
        return _poller(job, session), 304
    if job.phase.startswith("card look-up"):
        return (lambda: session.get(f"{job.url}/api/v1/cards/{job.card}").status_code), 200
    if job.phase == "sale replay":  # a till whose acknowledgement was lost sends the applied sale again
        replayed = _sale(job)
        if (first := session.post(f"{job.url}/api/v1/transactions", json=replayed)).status_code != 201:
            raise RuntimeError(f"the sale to replay was answered {first.status_code}: {first.text[:300]}")
        return (lambda: session.post(f"{job.url}/api/v1/transactions", json=replayed).status_code), 200
    return (lambda: session.post(f"{job.url}/api/v1/transactions", json=_sale(job)).status_code), 201


def _poller(job: Job, session: requests.Session):
    """A till at the head: it sends the last empty page's ETag and, like the agent, follows the
    head when an answer moves it on (answered 200 with an empty page and a new ETag)."""
    state = {"cursor": "0", "etag": None}

    def poll() -> int:
        headers = {"If-None-Match": state["etag"]} if state["etag"] else {}
        page = session.get(f"{job.url}/api/v1/sync/changes?cursor={state['cursor']}&limit=500", headers=headers)
        if page.status_code != 200:
            return page.status_code
        body = page.json()
        state["cursor"], state["etag"] = body["next_cursor"], None if body["items"] else page.headers.get("ETag")
        return 304 if not body["items"] else 200  # a moved head is an idle answer too; new items are not

    while state["etag"] is None:  # read to the head before the clock starts
        poll()
    return poll


def _sale(job: Job) -> dict:
    """A sale of ``job.lines`` by the till and to a member ``job.card`` names: "terminal|card", or
    "terminal|card,card,..." for a sale to one of those members, chosen at random."""
    terminal, cards = job.card.split("|")
    return sale_body(terminal, random.choice(cards.split(",")), job.lines)


def sale_body(terminal: str, card: str, lines) -> dict:
    """An online sale of ``lines`` (as ``Seeded.sale_lines``) by a till of store A, paid in cash, now."""
    total = sum(line["paid_minor"] for line in lines)
    return {"id": str(uuid.uuid4()), "kind": "sale", "store": "A", "terminal": terminal,
            "at": datetime.now(UTC).isoformat(), "offline": False, "card_number": card,
            "lines": list(lines), "tenders": [{"kind": "cash", "amount_minor": total}]}


def _pg_client(job: Job) -> tuple[list[float], dict[int, int]]:
    latencies = []
    with psycopg.connect(job.dsn) as conn:
        select = job.phase == "pk select"
        conn.autocommit = select
        while time.time() < job.start_at:
            time.sleep(0.005)
        end = job.start_at + job.seconds
        n = 0
        while (started := time.perf_counter()) and time.time() < end:
            n += 1
            if select:
                conn.execute("SELECT v FROM bench_kv WHERE id = %s", (n % 1000,)).fetchone()
            else:
                conn.execute("INSERT INTO bench_rows (v) VALUES (%s)", (f"row {n}",))
                conn.commit()
            latencies.append(time.perf_counter() - started)
    return latencies, {}


# ---- the run ----

@dataclass
class Figure:
    name: str
    rate: float
    p50_ms: float
    p99_ms: float
    wrong: dict[int, int]


def _measure(pool, jobs: list[Job], client=_client) -> Figure:
    # A client process that dies takes its job with it and map() would wait for ever: time out,
    # so the run stops its servers and drops its database instead of hanging.
    results = pool.map_async(client, jobs).get(timeout=jobs[0].seconds + 120)
    latencies = sorted(x for lat, _ in results for x in lat)
    wrong: dict[int, int] = {}
    for _, by_status in results:
        for status, n in by_status.items():
            wrong[status] = wrong.get(status, 0) + n
    return Figure(jobs[0].phase, len(latencies) / jobs[0].seconds, percentile(latencies, 0.5) * 1000,
                  percentile(latencies, 0.99) * 1000, wrong)


def _jobs(phase: str, url: str, clients: int, seconds: float, credentials: list[str | None],
          cards: list[str] | None = None, lines: tuple = (), dsn: str = "") -> list[Job]:
    start_at = time.time() + 1.5  # every process has its connection open before the clock starts
    return [Job(phase, url, credentials[n % len(credentials)], start_at, seconds,
                cards[n % len(cards)] if cards else "", lines, dsn) for n in range(clients)]


def _pg_setup(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_kv (id int PRIMARY KEY, v text)")
        conn.execute("INSERT INTO bench_kv SELECT g, 'value ' || g FROM generate_series(0, 999) g")
        conn.execute("CREATE TABLE bench_rows (id bigserial PRIMARY KEY, v text)")


def run(clients: int, seconds: float, models: list[tuple[int, int]]) -> None:
    with scratch_run("bench_hot", migrate=False) as (database, data_dir):
        _run(database, data_dir, clients, seconds, models)


def _run(database: ScratchDatabase, data_dir: str, clients: int, seconds: float,
         models: list[tuple[int, int]]) -> None:
    values = server_values(database, data_dir)
    began = time.monotonic()
    seeded = _seed(values, clients)
    seeding = time.monotonic() - began
    print(f"machine: {describe()}")
    print(f"seeded in {seeding:.0f} s: 1,000 products, 5 promotions and a member price list, "
          f"a new member and {clients} with {HEAVY_ENTRIES:,} ledger entries; {clients} client processes, "
          f"{seconds:g} s per path, keep-alive, signed requests")
    env = server_env(values)
    _pg_setup(database.dsn)
    figures: dict[str, Figure] = {}
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        figures.update(_baselines(pool, env, clients, seconds, database.dsn))
        figures.update(_onecard(pool, env, clients, seconds, seeded))
        _print(figures)
        if models:
            _print_models(_models(pool, env, clients, seconds, seeded, models))


def server_values(database: ScratchDatabase, data_dir: str) -> dict[str, str]:
    """The settings of a bench server on ``database``, with its own Redis queue."""
    return {"data_dir": data_dir, "database_url": database.url, "redis_url": REDIS_URL,
            "queue_name": database.name, "secret_key": SECRET}


def server_env(values: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **{f"ONECARD_{k.upper()}": v for k, v in values.items()}}


def start_onecard(env: dict[str, str], workers: int = 2, threads: int = 4) -> tuple[subprocess.Popen, str]:
    """``onecard server`` on a free port, and its URL: as deployed (2 workers x 4 threads) by default."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    return _start([sys.executable, "-m", "server.cli", "server", "--port", str(port),
                   "--workers", str(workers), "--threads", str(threads)],
                  env, f"{url}/api/v1/health"), url


def _baselines(pool, env, clients: int, seconds: float, dsn: str) -> dict[str, Figure]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    hello = _start([sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4",
                    "--keep-alive", "5", "-b", f"127.0.0.1:{port}", "bench.hot_paths:hello_app"], env, url)
    try:
        figures = {"hello world": _measure(pool, _jobs("hello world", url, clients, seconds, [None]))}
    finally:
        _stop(hello)
    for phase in ("pk select", "insert+commit"):
        figures[phase] = _measure(pool, _jobs(phase, "", clients, seconds, [None], dsn=dsn))
    return figures


def _onecard(pool, env, clients: int, seconds: float, seeded: Seeded) -> dict[str, Figure]:
    server, url = start_onecard(env)
    creds = seeded.credentials
    sellers = [f"B{n}|{card}" for n, card in enumerate(seeded.sale_cards)]
    heavy_sellers = [f"B{n}|{card}" for n, card in enumerate(seeded.heavy_cards)]
    phases = [("health", [None], None), ("poll at head", creds, None),
              ("card look-up, new member", creds, [seeded.new_card]),
              (f"card look-up, {HEAVY_ENTRIES:,}-entry member", creds, seeded.heavy_cards[:1]),
              ("sale posting", creds, sellers),
              (f"sale, {HEAVY_ENTRIES:,}-entry member", creds, heavy_sellers),
              ("sale replay", creds, sellers)]
    try:
        return {phase: _measure(pool, _jobs(phase, url, clients, seconds, who, cards, tuple(seeded.sale_lines)))
                for phase, who, cards in phases}
    finally:
        _stop(server)


def _models(pool, env, clients: int, seconds: float, seeded: Seeded,
            models: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[Figure, Figure]]:
    """Health and the new member's look-up under each worker model (workers x threads), one after another."""
    measured = {}
    for workers, threads in models:
        server, url = start_onecard(env, workers, threads)
        try:
            measured[workers, threads] = (
                _measure(pool, _jobs("health", url, clients, seconds, [None])),
                _measure(pool, _jobs("card look-up, new member", url, clients, seconds,
                                     seeded.credentials, [seeded.new_card])))
        finally:
            _stop(server)
    return measured


def _print_models(measured: dict[tuple[int, int], tuple[Figure, Figure]]) -> None:
    print(f"\n{'workers x threads':<18} {'health/s':>9} {'look-up/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'x health':>8}")
    for (workers, threads), (health, lookup) in measured.items():
        print(f"{f'{workers} x {threads}':<18} {health.rate:>9.0f} {lookup.rate:>9.0f} {lookup.p50_ms:>7.1f} "
              f"{lookup.p99_ms:>7.1f} {lookup.rate / health.rate:>8.2f}")


def _model(text: str) -> tuple[int, int]:
    workers, _, threads = text.partition("x")
    return int(workers), int(threads)


def _print(figures: dict[str, Figure]) -> None:
    print_table(figures)
    lookup, sale = figures["card look-up, new member"], figures["sale posting"]
    heavy = figures[f"sale, {HEAVY_ENTRIES:,}-entry member"]
    print(f"card look-up / PostgreSQL pk select: {lookup.rate / figures['pk select'].rate:.3f}; "
          f"sale posting / INSERT+COMMIT: {sale.rate / figures['insert+commit'].rate:.3f}; "
          f"{HEAVY_ENTRIES:,}-entry member's sale / new member's: {heavy.rate / sale.rate:.2f} "
          f"(p50 {heavy.p50_ms / sale.p50_ms:.2f} times as long)")


def print_table(figures: dict[str, Figure]) -> None:
    """Each figure with its rate as a fraction of the same run's health and hello-world rates."""
    health, hello = figures["health"].rate, figures["hello world"].rate
    print(f"{'path':<34} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'x health':>8} {'x hello':>8}  unexpected answers")
    for figure in figures.values():
        print(f"{figure.name:<34} {figure.rate:>8.0f} {figure.p50_ms:>7.1f} {figure.p99_ms:>7.1f} "
              f"{figure.rate / health:>8.2f} {figure.rate / hello:>8.2f}  {figure.wrong or ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4, help="client processes (one terminal each)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per path")
    parser.add_argument("--models", type=lambda text: [_model(m) for m in text.split(",")], default=[],
                        help="worker models to compare afterwards on health and the look-up, "
                             "as workers x threads: e.g. 2x4,3x2,4x1")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    run(args.clients, args.seconds, args.models)


if __name__ == "__main__":
    main()
