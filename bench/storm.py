"""The reconnection storm: ``python -m bench.storm --tills N --sales M [--members K]``.

N simulated tills (asyncio, one keep-alive HTTP/1.1 connection each, every request signed with the
till's own credential), ``--tills-per-store`` to a store, each queue M offline sales while the
server is down; then ``onecard server`` (gunicorn, 2 workers, PostgreSQL and Redis) comes back and
every till at once sends its journal in batches of 50 and then reads the change feed from where it
stood to the head. The chain is the demo seeder's (1,000 products, the generator's promotions, a
member price list and the demo offers, and 100 members with a year of history), with the rest of
the K members enrolled new, their home stores dealt round the storm's stores; each sale is a basket
of that catalogue priced by the server's engine before the outage, as an honest till priced it
(with the discounts it applied and its feed cursor), on the card of a member of the till's store,
or for ``--roaming`` of the member sales (default 10%) of any member of the chain, or for
``--no-card`` of all sales on none. ``--member-cache`` sets the server's ONECARD_MEMBER_CACHE
(default ``all``, the server's own default: every member sale is then on every till's feed; with
``recent`` a member's sale goes to the feed of every store they visited, so roaming sets the fan-out).

Each till behaves as the agent does (``pos_agent.runtime`` and ``pos_agent.link.http``): a request
not answered within the agent's sync timeout is given up (and its connection dropped); no answer,
429, 503 and 5xx are retried after an exponential backoff with jitter, or after Retry-After if the
server asked for longer; a 401 whose reason is ``stale`` (the request waited in the server past the
signature window) is a link failure like those and the retry is signed anew. Meanwhile a few tills
that stayed online look up random members' cards every 100 ms (waiting up to 5 s for an answer;
the agent itself gives up after its 0.8 s look-up timeout, counted separately).

Prints the time until every journal is drained and every feed caught up, when the last journal was
drained and how many feed pages and changes the tills read after it, the answers by status (401
stale, timeouts and no answer apart), the 5xx count and the p50/p99 of the online look-ups.
The issue's "0 5xx" counts faults: a 503 server-busy (a journal batch turned away with Retry-After by
``server.admission``, before its body is read) is load shedding as designed, so it is printed apart
and not counted as a fault. It stays 503, not 429: the till did nothing wrong (429 says a client sent
too many requests), the server is at capacity for now, which is what 503 with Retry-After says and
what load balancers and the agent treat as "elsewhere or later", never as a lost link.
``--profile`` instead applies the same tills' journals in this process, one batch after another,
through the Flask app under cProfile, and prints where a batch's time goes.
Not part of CI; never imports tests/.
Left out: the tills' own work (pricing, SQLite), TLS, a network between tills and server (tills and
server share this machine's CPUs), returns, voids, enrolments and points redemptions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import math
import os
import pstats
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bench import hot_paths
from bench.machine import describe, percentile
from bench.scratch import ScratchDatabase, honest_lines, scratch_run
from pos_agent.link.http import LOOKUP_TIMEOUT, SYNC_TIMEOUT
from pos_agent.sync.backoff import Backoff
from pos_agent.sync.feed_puller import PAGE_SIZE
from store_sync.signing import TerminalCredential, sign_request

BATCH = 50
ONLINE_TILLS = 2
HISTORY = 100  # members the demo seeder gives a year of sales; the others are enrolled fresh
BASKETS = 200  # distinct baskets, each priced once per tier (and without a card) before the outage
LOOKUP_WAIT = 5.0


@dataclass
class Tally:
    statuses: dict[int, int] = field(default_factory=dict)
    stale: int = 0  # 401 stale: re-signed and sent again
    timeouts: int = 0  # journal or feed requests given up after the agent's sync timeout
    journal_timeouts: int = 0  # ... of them, journal batches
    lookups: list[float] = field(default_factory=list)
    slow_lookups: int = 0  # answered, but after the agent's look-up timeout
    finished: list[float] = field(default_factory=list)
    drained: list[float] = field(default_factory=list)  # when each till's journal was all accepted
    feed_pages: int = 0  # change-feed pages answered 200 while catching up
    feed_items: int = 0  # changes in those pages, summed over the tills
    exceptions: int = 0  # sales the server recorded a reconciliation exception for
    busy: int = 0  # 503 server-busy: a journal batch turned away by the server (server.admission)


@dataclass
class Till:
    store: str
    code: str
    credential: TerminalCredential
    journal: list[dict]


class Connection:
    """One till's keep-alive HTTP/1.1 connection; reopened when the server closed it."""

    def __init__(self, url: str, credential: TerminalCredential) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.credential = parts.hostname, parts.port, credential
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: dict | None = None,
                      headers: dict[str, str] | None = None) -> tuple[int, dict, dict]:
        """Send one signed request (with ``headers`` besides the signature's); (status, headers, JSON)."""
        for attempt in (1, 2):  # a kept connection the server closed meanwhile is opened again, once
            try:
                return await self._exchange(method, path, body, headers or {})
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = None

    async def _exchange(self, method: str, path: str, body: dict | None,
                        extra: dict[str, str]) -> tuple[int, dict, dict]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        raw = json.dumps(body).encode() if body is not None else b""
        headers = sign_request(self.credential, method, path, raw, int(time.time()))
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(raw)}",
                 "Content-Type: application/json", *(f"{k}: {v}" for k, v in {**extra, **headers}.items())]
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
            self.close()
        return int(status_line.split()[1]), answer, json.loads(payload) if payload else {}


async def _call(conn: Connection, tally: Tally, backoff: Backoff, method: str, path: str,
                body: dict | None = None) -> dict:
    """Send until answered 2xx, as the agent's sync loop would: see the module docstring."""
    while True:
        try:
            status, headers, answer = await asyncio.wait_for(conn.request(method, path, body), SYNC_TIMEOUT)
        except TimeoutError:
            conn.close()  # the agent's requests session drops a connection whose answer it gave up on
            status, headers, answer = -1, {}, {}
            tally.timeouts += 1
            tally.journal_timeouts += method == "POST"
        except (OSError, asyncio.IncompleteReadError):
            status, headers, answer = 0, {}, {}
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if 200 <= status < 300:
            backoff.reset()
            return answer
        if status == 503 and str(answer.get("type", "")).endswith("/server-busy"):
            tally.busy += 1
        if status == 401 and answer.get("reason") == "stale":
            tally.stale += 1
        elif 400 <= status < 500 and status != 429:
            raise RuntimeError(f"{method} {path}: {status} {answer}")
        delay = backoff.next_delay()
        await asyncio.sleep(max(delay, _retry_after(headers)))


def _retry_after(headers: dict) -> float:
    try:
        return float(headers.get("retry-after", 0) or 0)
    except ValueError:
        return 0.0


async def _till(url: str, till: Till, cursor: str, tally: Tally, started: float) -> None:
    conn, backoff = Connection(url, till.credential), Backoff(0.2, 30.0)
    await asyncio.sleep(random.uniform(0, 0.5))  # the tills' probes are jittered, not simultaneous
    for start in range(0, len(till.journal), BATCH):
        results = await _call(conn, tally, backoff, "POST", "/api/v1/sync/journal",
                              _batch(till, start))
        _check(till, results["results"], tally)
    tally.drained.append(time.monotonic() - started)
    while True:
        page = await _call(conn, tally, backoff, "GET", f"/api/v1/sync/changes?cursor={cursor}&limit={PAGE_SIZE}")
        cursor = page["next_cursor"]
        tally.feed_pages += 1
        tally.feed_items += len(page["items"])
        if not page["items"]:
            break
    conn.close()
    tally.finished.append(time.monotonic() - started)


def _batch(till: Till, start: int) -> dict:
    items = [{"id": body["id"], "seq": start + n + 1, "type": "transaction", "body": body}
             for n, body in enumerate(till.journal[start:start + BATCH])]
    return {"protocol_version": 1, "store": till.store, "terminal": till.code, "items": items}


def _check(till: Till, results: list[dict], tally: Tally) -> None:
    if any(r["status"] not in ("applied", "duplicate") for r in results):
        raise RuntimeError(f"till {till.store}/{till.code}: {results}")
    tally.exceptions += sum(1 for r in results if (r.get("outcome") or {}).get("exceptions"))


async def _online(url: str, credential: TerminalCredential, cards: list[str], tally: Tally,
                  done: asyncio.Event) -> None:
    conn, rng = Connection(url, credential), random.Random()
    while not done.is_set():
        began = time.perf_counter()
        try:
            status, _, _ = await asyncio.wait_for(conn.request("GET", f"/api/v1/cards/{rng.choice(cards)}"),
                                                  LOOKUP_WAIT)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            status = 0
            conn.close()
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if status == 200:
            took = time.perf_counter() - began
            tally.lookups.append(took)
            tally.slow_lookups += took > LOOKUP_TIMEOUT
        await asyncio.sleep(0.1)


async def _storm(url: str, tills: list[Till], online: list[TerminalCredential], cards: list[str],
                 cursor: str, tally: Tally) -> float:
    done, started = asyncio.Event(), time.monotonic()
    watchers = [asyncio.create_task(_online(url, cred, cards, tally, done)) for cred in online]
    await asyncio.gather(*(_till(url, till, cursor, tally, started) for till in tills))
    elapsed = time.monotonic() - started
    done.set()
    await asyncio.gather(*watchers)
    return elapsed


# ---- seeding (in this process, before the server starts) ----

@dataclass
class Seeded:
    tills: list[tuple[str, str, TerminalCredential]]  # (store, terminal, credential)
    watchers: list[TerminalCredential]
    cards: list[str]
    tiers: dict[str, str]  # card -> tier
    homes: dict[str, list[str]]  # store -> the cards of the members whose home store it is
    baskets: list[dict[str | None, list[dict]]]  # per basket: tier (None: no card) -> priced lines
    at: datetime  # when the baskets were priced; the sales are dated just before


def _seed(values: dict[str, str], tills: int, per_store: int, members: int) -> Seeded:
    from server.audit import Actor
    from server.dbmigrate import upgrade
    from server.demo.seed import seed_chain
    from server.services import Services
    from server.settings import Settings
    from server.terminals import create_store, register_terminal

    services = Services.build(Settings.from_values(values))
    upgrade(services.db.engine)
    chain = seed_chain(services, random.Random(14), product_count=1000, member_count=min(members, HISTORY))
    now, actor = services.clock(), Actor.system("bench")
    tiers = {m["card"]: m["tier"] for m in chain.members}
    creds = []
    with services.db.session() as session:
        for n in range(math.ceil(tills / per_store)):
            store = create_store(session, f"S{n:03d}", f"Storm store {n}", "Europe/Berlin", now, actor)
            creds += [(store.code, f"T{k}", register_terminal(session, store, f"T{k}", now, actor)[1])
                      for k in range(min(per_store, tills - len(creds)))]
        watchers = [register_terminal(session, store, f"W{n}", now, actor)[1] for n in range(ONLINE_TILLS)]
        session.commit()
    stores = sorted({store for store, _, _ in creds})
    enrolled = _enrol(services, members - len(tiers), now, actor, stores)
    tiers.update({card: tier for card, (tier, _) in enrolled.items()})
    homes: dict[str, list[str]] = {}
    for card, (_, home) in enrolled.items():
        homes.setdefault(home, []).append(card)
    baskets = _priced_baskets(services, chain, creds[0][0], tiers, now)
    services.db.dispose()
    return Seeded(creds, watchers, list(tiers), tiers, homes, baskets, now)


def _enrol(services, count: int, now: datetime, actor, stores: list[str]) -> dict[str, tuple[str, str]]:
    """``count`` members enrolled now, without history (the demo seeder's year of sales for 2,000
    members takes minutes), their home stores dealt round the storm's stores; card -> (tier, home)."""
    from server.membership.members import Enrolment, enrol

    enrolled = {}
    with services.db.session() as session:
        for n in range(count):
            home = stores[n % len(stores)]
            member, card = enrol(session, Enrolment(name=f"Storm Member {n}", home_store=home),
                                 services.program, now, actor)
            enrolled[card.number] = (member.tier, home)
            if n % 500 == 499:  # a session holding thousands of members makes every flush slower
                session.commit()
        session.commit()
    return enrolled


def _priced_baskets(services, chain, store: str, tiers: dict[str, str], at: datetime) -> list[dict]:
    """BASKETS baskets of 1-8 lines over the catalogue, each priced by the server's engine with no
    card and with one member's card of each tier (member prices depend on the tier)."""
    rng, skus = random.Random(5), sorted(chain.prices)
    one_card = {tier: card for card, tier in sorted(tiers.items())}
    baskets = []
    with services.db.session() as session:
        for _ in range(BASKETS):
            picks = [(sku, rng.choice((1, 1, 1, 2, 3))) for sku in rng.sample(skus, rng.randint(1, 8))]
            lines = tuple({"line_id": str(i), "sku": sku, "qty": qty} for i, (sku, qty) in enumerate(picks, 1))
            baskets.append({tier: honest_lines(session, services, store, card, lines, chain.categories, at)
                            for tier, card in [(None, None), *one_card.items()]})
        session.rollback()  # pricing a quote writes nothing the sales need
    return baskets


def _journals(seeded: Seeded, sales: int, no_card: float, roaming: float, cursor: int) -> list[Till]:
    rng, tills = random.Random(3), []
    for store, code, cred in seeded.tills:  # the queues are built while the server is still down
        journal = []
        for n in range(sales):
            card = None if rng.random() < no_card else _card(seeded, store, roaming, rng)
            lines = rng.choice(seeded.baskets)[seeded.tiers.get(card)]
            at = seeded.at - timedelta(seconds=(sales - n) * 30)
            total = sum(line["paid_minor"] for line in lines)
            journal.append({"id": str(uuid.uuid4()), "kind": "sale", "store": store, "terminal": code,
                            "at": at.isoformat(), "offline": True, "feed_cursor": cursor, "lines": lines,
                            "tenders": [{"kind": "cash", "amount_minor": total}],
                            **({"card_number": card} if card else {})})
        tills.append(Till(store, code, cred, journal))
    return tills


def _card(seeded: Seeded, store: str, roaming: float, rng: random.Random) -> str:
    """A member's card shown at ``store``: a member of that home store, or, for ``roaming`` of the
    sales (and where the store has no members), any member of the chain."""
    local = seeded.homes.get(store)
    return rng.choice(local) if local and rng.random() >= roaming else rng.choice(seeded.cards)


# ---- the run ----

def run(args: argparse.Namespace) -> None:
    with scratch_run("bench_storm", migrate=False) as (database, data_dir):
        _run(database, data_dir, args)


def _run(database: ScratchDatabase, data_dir: str, args: argparse.Namespace) -> None:
    values = {"data_dir": data_dir, "database_url": database.url,
              "redis_url": hot_paths.REDIS_URL, "queue_name": database.name, "secret_key": hot_paths.SECRET,
              "member_cache": args.member_cache}
    began = time.monotonic()
    seeded = _seed(values, args.tills, args.tills_per_store, args.members)
    seeding = time.monotonic() - began
    env = {**os.environ, **{f"ONECARD_{k.upper()}": v for k, v in values.items()}}
    if args.profile:
        _profile(values, seeded, args)
        return
    port = hot_paths._free_port()
    url = f"http://127.0.0.1:{port}"
    slots = ["--journal-slots", str(args.journal_slots)] if args.journal_slots else []
    server = hot_paths._start([sys.executable, "-m", "server.cli", "server", "--port", str(port),
                               "--workers", "2", *slots], env, f"{url}/api/v1/health")
    try:
        cursor = asyncio.run(_head(url, seeded.watchers[0]))
        tills = _journals(seeded, args.sales, args.no_card, args.roaming, int(cursor))
        tally = Tally()
        load_before = os.getloadavg()
        elapsed = asyncio.run(_storm(url, tills, seeded.watchers, seeded.cards, cursor, tally))
    finally:
        hot_paths._stop(server)
    _print(args, seeding, load_before, elapsed, tally)


async def _head(url: str, credential: TerminalCredential) -> str:
    conn, cursor = Connection(url, credential), "0"
    while True:
        _, _, page = await conn.request("GET", f"/api/v1/sync/changes?cursor={cursor}&limit={PAGE_SIZE}")
        cursor = page["next_cursor"]
        if not page["items"]:
            conn.close()
            return cursor


def _print(args: argparse.Namespace, seeding: float, load_before: tuple, elapsed: float, tally: Tally) -> None:
    lookups = sorted(tally.lookups)
    server_errors = sum(n for status, n in tally.statuses.items() if status >= 500)
    faults = server_errors - tally.busy
    total = args.tills * args.sales
    print(f"machine: {describe()} (load average when the storm began: "
          f"{', '.join(f'{x:.2f}' for x in load_before)})")
    print(f"seeded in {seeding:.0f} s: the demo chain (1,000 products, its promotions, a member price list), "
          f"{args.members:,} members ({min(args.members, HISTORY)} with a year of history, the rest new), "
          f"{math.ceil(args.tills / args.tills_per_store)} stores of up to {args.tills_per_store} tills")
    print(f"onecard server: gunicorn 2 workers x 4 threads, journal slots per worker: "
          f"{args.journal_slots or 'its default (2)'}; member cache: {args.member_cache}")
    print(f"{args.tills} tills x {args.sales} offline sales ({total:,} sales of {BASKETS} baskets priced by "
          f"the server's engine, {args.no_card:.0%} without a card), batches of {BATCH}, sync timeout "
          f"{SYNC_TIMEOUT:g} s; {args.roaming:.0%} of the member sales away from the member's home store; "
          f"{ONLINE_TILLS} tills online looking up random cards every 100 ms")
    print("left out: the tills' own work (pricing, SQLite), TLS, a network (tills and server share "
          "this machine), returns, voids, enrolments, redemptions")
    print(f"every journal drained and every feed caught up in {elapsed:.1f} s "
          f"({total / elapsed:,.0f} sales/s); slowest till {max(tally.finished):.1f} s")
    print(f"journals: the last drained at {max(tally.drained):.1f} s ({total / max(tally.drained):,.0f} sales/s), "
          f"half the tills' by {percentile(sorted(tally.drained), 0.5):.1f} s; "
          f"feeds: {tally.feed_pages:,} pages of up to {PAGE_SIZE} read, "
          f"{tally.feed_items:,} changes in all ({tally.feed_items / args.tills:,.0f} a till)")
    print(f"answers by status: {dict(sorted(tally.statuses.items()))} (0 = no answer, -1 = given up after "
          f"{SYNC_TIMEOUT:g} s); 5xx faults (target 0): {faults}; 503 server-busy (a journal batch turned away "
          f"with Retry-After, load shedding, not a fault): {tally.busy}; "
          f"given up after {SYNC_TIMEOUT:g} s: {tally.journal_timeouts} journal batches, "
          f"{tally.timeouts - tally.journal_timeouts} feed pages; "
          f"401 stale, re-signed and sent again: {tally.stale}; "
          f"sales with a reconciliation exception: {tally.exceptions}")
    print(f"online card look-ups meanwhile: {len(lookups)}, p50 {percentile(lookups, 0.5) * 1000:.1f} ms, "
          f"p99 {percentile(lookups, 0.99) * 1000:.1f} ms, over the agent's {LOOKUP_TIMEOUT:g} s: "
          f"{tally.slow_lookups}")


# ---- --profile: the same journals applied in this process under cProfile ----

def _profile(values: dict[str, str], seeded: Seeded, args: argparse.Namespace) -> None:
    from server.app import create_app
    from server.services import Services
    from server.settings import Settings

    app = create_app(services=Services.build(Settings.from_values(values)))
    client = app.test_client()
    head = int(_head_in_process(client, seeded.watchers[0], "0"))
    tills = _journals(seeded, args.sales, args.no_card, args.roaming, head)
    profiler, took = cProfile.Profile(), []
    for till in tills:
        for start in range(0, len(till.journal), BATCH):
            body = _batch(till, start)
            began = time.perf_counter()
            profiler.enable()
            answer = _in_process(client, till.credential, "POST", "/api/v1/sync/journal", body)
            profiler.disable()
            took.append((time.perf_counter() - began, len(body["items"])))
            _check(till, answer["results"], Tally())
    seconds, items = sum(t for t, _ in took), sum(n for _, n in took)
    print(f"machine: {describe()}")
    print(f"{len(took)} journal batches ({items:,} sales) applied in process, one after another: "
          f"{seconds:.1f} s, {items / seconds:,.0f} sales/s, {seconds / len(took) * 1000:.0f} ms a batch")
    if args.dump:
        profiler.dump_stats(args.dump)
    for sort in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(30)
        print(out.getvalue())


def _in_process(client, credential: TerminalCredential, method: str, path: str, body: dict | None = None) -> dict:
    raw = json.dumps(body).encode() if body is not None else b""
    headers = sign_request(credential, method, path, raw, int(time.time()))
    answer = client.open(path, method=method, data=raw, headers={**headers, "Content-Type": "application/json"})
    if answer.status_code != 200:
        raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.get_data(as_text=True)[:500]}")
    return answer.get_json()


def _head_in_process(client, credential: TerminalCredential, cursor: str) -> str:
    while True:
        page = _in_process(client, credential, "GET", f"/api/v1/sync/changes?cursor={cursor}&limit={PAGE_SIZE}")
        if not page["items"]:
            return page["next_cursor"]
        cursor = page["next_cursor"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tills", type=int, default=50)
    parser.add_argument("--sales", type=int, default=40, help="offline sales each till queued")
    parser.add_argument("--members", type=int, default=2000, help="members of the chain (the demo seeder's)")
    parser.add_argument("--tills-per-store", type=int, default=10)
    parser.add_argument("--no-card", type=float, default=0.4, help="share of the sales made without a card")
    parser.add_argument("--roaming", type=float, default=0.1,
                        help="share of the member sales made outside the member's home store (any member's "
                             "card); 1 makes every card shown at random stores")
    parser.add_argument("--journal-slots", type=int, default=None,
                        help="passed to onecard server (default: its own, half its threads)")
    parser.add_argument("--member-cache", default="all", choices=("all", "home", "recent"),
                        help="ONECARD_MEMBER_CACHE: which stores' tills read each member sale's snapshot")
    parser.add_argument("--profile", action="store_true",
                        help="apply the journals in this process under cProfile instead of the storm")
    parser.add_argument("--dump", help="with --profile, also write the profile to this file (pstats)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
