"""Resident memory of a till caching a whole chain's members, and of a server worker under load:
``python -m bench.memory --members 200000``.

Seeds a fresh PostgreSQL database with ``--members`` members, each with a card, on the change feed
as the server publishes them (a member snapshot for every store and the card), analyzes it (as
autovacuum would after such a load; without statistics the snapshot query sorts the whole change
log for each page), then:

1. the till: starts ``onecard server`` (gunicorn, 2 workers, Redis) and a real ``onecard agent``
   process with an empty data dir; times its bootstrap (snapshot, then the feed to the head) until
   its status says it is caught up, counts the members in its SQLite cache, and reads its resident
   size (VmRSS) and peak (VmHWM), and the CPU time it and the server's workers used, from /proc.
   Targets (issue 14): 200,000 members in under 60 s, under 150 MB resident.
2. the server: ``--clients`` client processes send signed card look-ups of random members, sales
   with a member card and feed polls for ``--seconds``; each gunicorn worker's resident size is
   sampled meanwhile and its peak read at the end. Target: under 200 MB per worker.

Not part of CI; never imports tests/. Clients, server, agent and database share this machine's
CPUs, so the bootstrap time depends on what else runs; the resident sizes much less so.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench import hot_paths
from bench.machine import describe
from bench.scratch import ScratchDatabase, register_till

TILL_TARGET_S, TILL_TARGET_MB, WORKER_TARGET_MB = 60, 150, 200
CHUNK = 5_000


def _seed(values: dict[str, str], members: int, clients: int) -> tuple[list[str], list[str]]:
    """Members with cards on the feed; returns (till credentials, card numbers). Till 0 is the agent's."""
    from server.services import Services
    from server.settings import Settings
    from server.sync import sequence_pending

    services = Services.build(Settings.from_values(values))
    credentials = [str(register_till(services, "A", f"T{n}")) for n in range(clients + 1)]
    cards = _members(services, members)
    sequence_pending(services.db.engine)
    with services.db.engine.begin() as conn:  # as autovacuum would, in time, after such a load
        conn.exec_driver_sql("ANALYZE")  # (committed: a rolled-back ANALYZE leaves no statistics)
    services.db.dispose()
    return credentials, cards


def _members(services, count: int) -> list[str]:
    """Rows written in chunks by executemany; the feed rows as ``publish_member`` and ``publish_card`` write them."""
    from sqlalchemy import insert

    from loyalty.cards import gs1_check_digit
    from server.models import Card, ChangeRecord, Member

    prefix, now, cards = services.settings.card_prefix, services.clock(), []
    for start in range(0, count, CHUNK):
        members, card_rows, changes = [], [], []
        for n in range(start, min(count, start + CHUNK)):
            member_id, body = uuid.uuid4(), f"{prefix}{n + 1:010d}"
            number = body + gs1_check_digit(body)
            name = f"Member {n + 1}"
            members.append({"id": member_id, "name": name, "name_search": name.lower(), "home_store": "A",
                            "created_at_store": "A", "consents": {}, "notes": "", "tier": "basic",
                            "tier_since": now, "created_at": now})
            card_rows.append({"number": number, "member_id": member_id, "kind": "barcode", "state": "active",
                              "issued_at": now, "state_changed_at": now})
            changes.append(_change("member", str(member_id), {
                "id": str(member_id), "name": name, "tier": "basic", "home_store": "A", "balance": 500,
                "available": 500, "debt": 0, "taken_at": now.isoformat(), "segments": [],
                "promotion_uses": [], "clipped": []}, now))
            changes.append(_change("card", number, {"number": number, "member_id": str(member_id),
                                                    "state": "active", "chip_uid": None}, now))
            cards.append(number)
        with services.db.engine.begin() as conn:
            conn.execute(insert(Member), members)
            conn.execute(insert(Card), card_rows)
            conn.execute(insert(ChangeRecord), changes)
    return cards


def _change(entity_type: str, entity_id: str, payload: dict, now: datetime) -> dict:
    return {"entity_type": entity_type, "entity_id": entity_id, "op": "upsert", "store_code": None,
            "payload": payload, "created_at": now}


def _memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident) of a process, in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# ---- the till ----

def _bootstrap(env: dict[str, str], url: str, credential: str, data_dir: Path, members: int,
               server_pid: int) -> None:
    from pos_agent.web.access import KEY_HEADER, key_path

    port = hot_paths._free_port()
    agent = subprocess.Popen([sys.executable, "-m", "server.cli", "agent", "--store", "A", "--terminal", "T0",
                              "--server", url, "--port", str(port), "--data-dir", str(data_dir)],
                             env={**env, "ONECARD_TERMINAL_CREDENTIAL": credential},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    began, status, workers_before = time.monotonic(), {}, _cpu_seconds(_children(server_pid))
    try:
        while time.monotonic() - began < 3600:
            if agent.poll() is not None:
                raise RuntimeError(f"the agent exited with {agent.returncode}")
            key_file = key_path(data_dir, "A", "T0")
            if key_file.exists():
                try:
                    status = requests.get(f"http://127.0.0.1:{port}/local/v1/status", timeout=5,
                                          headers={KEY_HEADER: key_file.read_text().strip()}).json()
                except (requests.RequestException, ValueError):
                    status = {}
                if status.get("data_as_of"):
                    break
            time.sleep(0.2)
        elapsed = time.monotonic() - began
        memory = _memory_kb(agent.pid)
        agent_cpu, workers_cpu = _cpu_seconds([agent.pid]), _cpu_seconds(_children(server_pid)) - workers_before
    finally:
        agent.terminate()
        agent.wait(30)
    cached = _cached_members(data_dir)
    print(f"till: bootstrap of {cached:,} of {members:,} members (with their cards) in {elapsed:.1f} s "
          f"(from process start to caught up, mode {status.get('mode')}); resident {memory['VmRSS'] / 1024:.0f} MB, "
          f"peak {memory['VmHWM'] / 1024:.0f} MB (targets at 200,000 members: {TILL_TARGET_S} s, "
          f"{TILL_TARGET_MB} MB)")
    print(f"  CPU meanwhile: the agent {agent_cpu:.1f} s (its start included), the gunicorn workers "
          f"{workers_cpu:.1f} s (PostgreSQL not counted); load average now "
          + ", ".join(f"{n:.2f}" for n in os.getloadavg()))


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far (threads included), from /proc."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
    return total / os.sysconf("SC_CLK_TCK")


def _cached_members(data_dir: Path) -> int:
    total = 0
    for path in data_dir.glob("*.sqlite3"):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            total += conn.execute("SELECT count(*) FROM entities WHERE entity_type = 'member' "
                                  "AND deleted = 0").fetchone()[0]
    return total


# ---- the server under load ----

def _client(job: tuple[str, str, str, list[str], float]) -> dict[int, int]:
    """Look-ups, sales and feed polls until the time is up; returns the answers by status."""
    from store_sync.http.client import terminal_session
    from store_sync.signing import TerminalCredential

    url, credential, terminal, cards, seconds = job
    session = terminal_session(TerminalCredential.parse(credential), url)
    statuses: dict[int, int] = {}
    rng, deadline, n = random.Random(terminal), time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        n += 1
        card = rng.choice(cards)
        if n % 5 == 0:
            paid = rng.randrange(100, 5000)
            body = {"id": str(uuid.uuid4()), "kind": "sale", "store": "A", "terminal": terminal,
                    "at": datetime.now(UTC).isoformat(), "card_number": card,
                    "lines": [{"line_id": "1", "sku": "", "qty": 1, "paid_minor": paid}],
                    "tenders": [{"kind": "cash", "amount_minor": paid}]}
            response = session.post(f"{url}/api/v1/transactions", json=body, timeout=30)
        elif n % 5 == 1:
            response = session.get(f"{url}/api/v1/sync/changes?cursor=0&limit=200", timeout=30)
        else:
            response = session.get(f"{url}/api/v1/cards/{card}", timeout=30)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return statuses


def _load(server: subprocess.Popen, url: str, credentials: list[str], cards: list[str], seconds: float) -> None:
    jobs = [(url, credential, f"T{n + 1}", cards, seconds) for n, credential in enumerate(credentials)]
    peaks: dict[int, int] = {}
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        pending = pool.map_async(_client, jobs)
        while not pending.ready():
            for worker in _children(server.pid):
                with contextlib.suppress(OSError):  # a worker may be gone between listing and reading
                    peaks[worker] = max(peaks.get(worker, 0), _memory_kb(worker)["VmRSS"])
            time.sleep(0.5)
        results = pending.get()
    statuses: dict[int, int] = {}
    for result in results:
        for status, n in result.items():
            statuses[status] = statuses.get(status, 0) + n
    workers = {pid: _memory_kb(pid) for pid in _children(server.pid)}
    print(f"server: {len(jobs)} client processes for {seconds:g} s (card look-ups 3/5, member sales 1/5, "
          f"feed pages 1/5): answers {dict(sorted(statuses.items()))}")
    for pid, memory in sorted(workers.items()):
        print(f"  gunicorn worker {pid}: resident {memory['VmRSS'] / 1024:.0f} MB, "
              f"peak {memory['VmHWM'] / 1024:.0f} MB (largest sampled {peaks.get(pid, 0) / 1024:.0f} MB; "
              f"target {WORKER_TARGET_MB} MB)")


def run(members: int, clients: int, seconds: float, db_prefix: str = "bench_memory") -> None:
    database = ScratchDatabase(db_prefix).create()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            _run(database, Path(data_dir), members, clients, seconds)
    finally:
        database.drop()


def _run(database: ScratchDatabase, data_dir: Path, members: int, clients: int, seconds: float) -> None:
    values = hot_paths.server_values(database, str(data_dir))
    print(f"machine: {describe()}")
    began = time.monotonic()
    credentials, cards = _seed(values, members, clients)
    print(f"seeded {members:,} members with cards on the feed in {time.monotonic() - began:.1f} s")
    env = hot_paths.server_env(values)
    server, url = hot_paths.start_onecard(env)
    try:
        _bootstrap(env, url, credentials[0], data_dir / "till", members, server.pid)
        _load(server, url, credentials[1:], cards, seconds)
    finally:
        hot_paths._stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20_000, help="members in the chain (the issue's: 200,000)")
    parser.add_argument("--clients", type=int, default=2, help="client processes loading the server")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of load on the server")
    parser.add_argument("--db-prefix", default="bench_memory", help="name prefix of the scratch database")
    args = parser.parse_args()
    run(args.members, args.clients, args.seconds, args.db_prefix)


if __name__ == "__main__":
    main()
