"""Where a signed online sale's time goes, in one process: ``python -m bench.sale_profile``.

Seeds a fresh PostgreSQL database as ``bench.hot_paths`` does (the demo chain's 1,000 products, its
promotions and member price list; members with an opening balance), builds the server's app as
``onecard server`` runs it (PostgreSQL and Redis), and posts signed member sales of
``bench.hot_paths``'s basket (4 lines, 6 items, sent as the server's engine prices them) through
Flask's test client, one after another, to one member. Prints the wall
time and this process's CPU time per sale (PostgreSQL works in its own processes: its time is in
the wall figure only); with ``--profile``, the functions that took the most of the sales' time
under cProfile.

Left out: gunicorn and sockets (the request is built in process), concurrency, the client's own
signing (done before the clock starts). Not part of CI; never imports tests/.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import time

from bench.hot_paths import _seed, sale_body, server_values
from bench.machine import describe, percentile
from bench.scratch import scratch_run


def _signed(credential, body: dict) -> tuple[bytes, dict[str, str]]:
    from store_sync.signing import sign_request

    raw = json.dumps(body).encode()
    return raw, sign_request(credential, "POST", "/api/v1/transactions", raw, int(time.time()))


def run(sales: int, warm: int, profile: bool, sort: str, match: str, dump: str | None) -> None:
    from server.app import create_app
    from server.settings import Settings
    from store_sync.signing import TerminalCredential

    with scratch_run("bench_sale_profile", migrate=False) as (database, data_dir):
        values = server_values(database, data_dir)
        seeded = _seed(values, 1)  # one till (terminal B0 of store A), one sale member
        print(f"machine: {describe()}")
        app = create_app(Settings.from_values(values))
        client = app.test_client()
        credential = TerminalCredential.parse(seeded.credentials[0])
        bodies = [sale_body("B0", seeded.sale_cards[0], seeded.sale_lines) for _ in range(warm + sales)]
        profiler = cProfile.Profile()
        walls, cpus = [], []
        for n, body in enumerate(bodies):
            raw, headers = _signed(credential, body)
            measured = n >= warm
            wall, cpu = time.perf_counter(), time.process_time()
            if measured and profile:
                profiler.enable()
            response = client.post("/api/v1/transactions", data=raw, headers=headers, content_type="application/json")
            if measured and profile:
                profiler.disable()
            if response.status_code != 201:
                raise SystemExit(f"sale {n}: {response.status_code} {response.get_data(as_text=True)[:500]}")
            if measured:
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
        _report(walls, cpus, warm)
        if profile:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(match, 40)
            print(out.getvalue())
            if dump:
                profiler.dump_stats(dump)


def _report(walls: list[float], cpus: list[float], warm: int) -> None:
    walls, cpus = sorted(walls), sorted(cpus)

    def ms(value: float) -> str:
        return f"{value * 1e3:.1f} ms"

    print(f"{len(walls)} sales after {warm} to warm up, one after another: wall p50 {ms(percentile(walls, 0.5))}, "
          f"p99 {ms(percentile(walls, 0.99))}, mean {ms(sum(walls) / len(walls))}; "
          f"this process's CPU p50 {ms(percentile(cpus, 0.5))}, mean {ms(sum(cpus) / len(cpus))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=300, help="sales measured")
    parser.add_argument("--warm", type=int, default=30, help="sales before, not measured")
    parser.add_argument("--profile", action="store_true", help="print where the measured sales' time went")
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumulative, ...")
    parser.add_argument("--match", default="", help="only functions whose file and name match this regex, e.g. server/")
    parser.add_argument("--dump", help="with --profile, also write the profile to this file (pstats)")
    args = parser.parse_args()
    run(args.sales, args.warm, args.profile, args.sort, args.match, args.dump)


if __name__ == "__main__":
    main()
