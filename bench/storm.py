"""The reconnection storm: ``python -m bench.storm --tills N --sales M``.

N simulated tills (asyncio, one keep-alive HTTP/1.1 connection each, every request signed with the
till's own credential) each queue M offline member sales while the server is down; then
``onecard server`` (gunicorn, 2 workers, PostgreSQL and Redis) comes back and every till at once
sends its journal in batches of 50 and then reads the change feed from where it stood to the head.
Tills that get 429/503 or no answer back off exponentially with jitter and obey Retry-After, as
the agent does. Meanwhile a few tills that stayed online look up cards every 100 ms.

Prints the time until every journal is drained and every feed caught up, the 5xx count and the
p50/p99 of the online look-ups. Not part of CI; never imports tests/.
Left out: the tills' own work (pricing, SQLite), TLS, and a network between tills and server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bench import hot_paths
from bench.machine import describe, percentile
from bench.scratch import ScratchDatabase
from pos_agent.sync.backoff import Backoff
from store_sync.signing import TerminalCredential, sign_request

BATCH = 50
ONLINE_TILLS = 2


@dataclass
class Tally:
    statuses: dict[int, int] = field(default_factory=dict)
    lookups: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)


class Connection:
    """One till's keep-alive HTTP/1.1 connection; reopened when the server closed it."""

    def __init__(self, url: str, credential: TerminalCredential) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.credential = parts.hostname, parts.port, credential
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
        for attempt in (1, 2):  # a kept connection the server closed meanwhile is opened again, once
            try:
                return await self._exchange(method, path, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, path: str, body: dict | None) -> tuple[int, dict, dict]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        raw = json.dumps(body).encode() if body is not None else b""
        headers = sign_request(self.credential, method, path, raw, int(time.time()))
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(raw)}",
                 "Content-Type: application/json", *(f"{k}: {v}" for k, v in headers.items())]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + raw)
        status_line = await self.reader.readuntil(b"\r\n")
        if not status_line:
            raise ConnectionError("closed")
        answer = {}
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode().partition(":")
            answer[name.strip().lower()] = value.strip()
        payload = await self.reader.readexactly(int(answer.get("content-length", 0)))
        if answer.get("connection", "").lower() == "close":
            self.writer.close()
            self.writer = None
        return int(status_line.split()[1]), answer, json.loads(payload) if payload else {}


async def _call(conn: Connection, tally: Tally, backoff: Backoff, method: str, path: str,
                body: dict | None = None) -> dict:
    """Send until answered 2xx; back off (with Retry-After) on 429/503/5xx or a dropped connection."""
    while True:
        try:
            status, headers, answer = await conn.request(method, path, body)
        except (OSError, asyncio.IncompleteReadError):
            status, headers, answer = 0, {}, {}
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if 200 <= status < 300:
            backoff.reset()
            return answer
        if 400 <= status < 500 and status != 429:
            raise RuntimeError(f"{method} {path}: {status} {answer}")
        delay = backoff.next_delay()
        await asyncio.sleep(max(delay, float(headers.get("retry-after", 0) or 0)))


def _sale(store: str, terminal: str, card: str, lines: list[dict]) -> dict:
    total = sum(line["paid_minor"] for line in lines)
    return {"id": str(uuid.uuid4()), "kind": "sale", "store": store, "terminal": terminal,
            "at": datetime.now(UTC).isoformat(), "offline": True, "card_number": card, "lines": lines,
            "tenders": [{"kind": "cash", "amount_minor": total}]}


async def _till(url: str, code: str, credential: TerminalCredential, journal: list[dict], cursor: str,
                tally: Tally, started: float) -> None:
    conn, backoff = Connection(url, credential), Backoff(0.2, 30.0)
    await asyncio.sleep(random.uniform(0, 0.5))  # the tills' probes are jittered, not simultaneous
    for start in range(0, len(journal), BATCH):
        items = [{"id": body["id"], "seq": start + n + 1, "type": "transaction", "body": body}
                 for n, body in enumerate(journal[start:start + BATCH])]
        results = await _call(conn, tally, backoff, "POST", "/api/v1/sync/journal",
                               {"protocol_version": 1, "store": "A", "terminal": code, "items": items})
        if any(r["status"] not in ("applied", "duplicate") for r in results["results"]):
            raise RuntimeError(f"till {code}: {results['results']}")
    while True:
        page = await _call(conn, tally, backoff, "GET", f"/api/v1/sync/changes?cursor={cursor}&limit=500")
        cursor = page["next_cursor"]
        if not page["items"]:
            break
    tally.finished.append(time.monotonic() - started)


async def _online(url: str, credential: TerminalCredential, card: str, tally: Tally, done: asyncio.Event) -> None:
    conn = Connection(url, credential)
    while not done.is_set():
        began = time.perf_counter()
        try:
            status, _, _ = await asyncio.wait_for(conn.request("GET", f"/api/v1/cards/{card}"), 5)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            status, conn = 0, Connection(url, credential)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if status == 200:
            tally.lookups.append(time.perf_counter() - began)
        await asyncio.sleep(0.1)


async def _storm(url: str, tills: list[tuple[str, TerminalCredential, list[dict]]], online, cursor: str,
                 tally: Tally) -> float:
    done, started = asyncio.Event(), time.monotonic()
    watchers = [asyncio.create_task(_online(url, cred, card, tally, done)) for cred, card in online]
    await asyncio.gather(*(_till(url, code, cred, journal, cursor, tally, started) for code, cred, journal in tills))
    elapsed = time.monotonic() - started
    done.set()
    await asyncio.gather(*watchers)
    return elapsed


def _seed(values: dict[str, str], tills: int, members: int):
    from sqlalchemy import select

    from server.audit import Actor
    from server.dbmigrate import upgrade
    from server.demo.seed import seed_chain
    from server.models import Store
    from server.services import Services
    from server.settings import Settings
    from server.terminals import register_terminal

    services = Services.build(Settings.from_values(values))
    upgrade(services.db.engine)
    chain = seed_chain(services, random.Random(14), product_count=300, member_count=members)
    now, actor = services.clock(), Actor.system("bench")
    with services.db.session() as session:
        store = session.scalar(select(Store).where(Store.code == "A"))
        creds = [(f"S{n}", register_terminal(session, store, f"S{n}", now, actor)[1]) for n in range(tills)]
        watchers = [register_terminal(session, store, f"W{n}", now, actor)[1] for n in range(ONLINE_TILLS)]
        session.commit()
    services.db.dispose()
    return chain, creds, watchers


def run(till_count: int, sales: int, members: int = 6) -> None:
    database = ScratchDatabase("bench_storm").create(migrate=False)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            _run(database, data_dir, till_count, sales, members)
    finally:
        database.drop()


def _run(database: ScratchDatabase, data_dir: str, till_count: int, sales: int, members: int) -> None:
    values = {"data_dir": data_dir, "database_url": database.url,
              "redis_url": hot_paths.REDIS_URL, "queue_name": database.name, "secret_key": hot_paths.SECRET}
    chain, creds, watchers = _seed(values, till_count, members)
    cards = [m["card"] for m in chain.members]
    skus = list(chain.prices)
    rng = random.Random(3)
    tills = []
    for code, cred in creds:  # the queues are built while the server is still down
        journal = []
        for _ in range(sales):
            lines = [{"line_id": str(i), "sku": sku, "qty": 1, "paid_minor": chain.prices[sku],
                      "category": chain.categories[sku]} for i, sku in enumerate(rng.sample(skus, 4), start=1)]
            journal.append(_sale("A", code, rng.choice(cards), lines))
        tills.append((code, cred, journal))
    port = hot_paths._free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, **{f"ONECARD_{k.upper()}": v for k, v in values.items()}}
    server = hot_paths._start([sys.executable, "-m", "server.cli", "server", "--port", str(port),
                               "--workers", "2"], env, f"{url}/api/v1/health")
    try:
        cursor = asyncio.run(_head(url, creds[0][1]))
        tally = Tally()
        elapsed = asyncio.run(_storm(url, tills, list(zip(watchers, cards, strict=False)), cursor, tally))
    finally:
        hot_paths._stop(server)
    _print(till_count, sales, members, elapsed, tally)


async def _head(url: str, credential: TerminalCredential) -> str:
    conn, cursor = Connection(url, credential), "0"
    while True:
        _, _, page = await conn.request("GET", f"/api/v1/sync/changes?cursor={cursor}&limit=500")
        cursor = page["next_cursor"]
        if not page["items"]:
            return cursor


def _print(till_count: int, sales: int, members: int, elapsed: float, tally: Tally) -> None:
    lookups = sorted(tally.lookups)
    server_errors = sum(n for status, n in tally.statuses.items() if status >= 500)
    print(f"machine: {describe()}")
    print(f"{till_count} tills x {sales} offline sales ({till_count * sales:,} sales of {members:,} members, "
          f"batches of {BATCH}), "
          f"{ONLINE_TILLS} tills online looking up cards every 100 ms")
    print(f"every journal drained and every feed caught up in {elapsed:.1f} s "
          f"({till_count * sales / elapsed:,.0f} sales/s); slowest till {max(tally.finished):.1f} s")
    print(f"answers by status: {dict(sorted(tally.statuses.items()))} (0 = no answer); 5xx: {server_errors}")
    print(f"online card look-ups meanwhile: {len(lookups)}, p50 {percentile(lookups, 0.5) * 1000:.1f} ms, "
          f"p99 {percentile(lookups, 0.99) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tills", type=int, default=50)
    parser.add_argument("--sales", type=int, default=40, help="offline sales each till queued")
    parser.add_argument("--members", type=int, default=6,
                        help="members the sales fall on (few: every till's batch waits on the same member locks)")
    args = parser.parse_args()
    run(args.tills, args.sales, args.members)


if __name__ == "__main__":
    main()
