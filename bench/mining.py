"""Benchmark of mining members' baskets: ``python -m bench.mining --database-url URL``.

On a database seeded by ``bench.scale_seed`` (whose members consent to profiling one in two, and
whose baskets pair each product with a companion a third of the time), runs in this process, as the
background jobs run them, the bundle suggestions (``server.pricing.bundle_mining.mine_bundles``)
and then the "for you" picks (``server.pricing.for_you.compute_for_you``, which writes its picks),
over the ``--weeks`` before the data's last sale. The jobs' own progress reports draw a bar on
stderr (the figure ``GET /api/v1/jobs/{id}`` shows when they run as jobs). Printed: the machine,
the sales read, baskets counted, suggestions and picks found, and the seconds each took. These VMs
are shared, so read the figures as ratios within one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable

from sqlalchemy import func, select

from bench.machine import describe
from server.jobs.progress import reporting_to
from server.models import PostedTransaction
from server.pricing.bundle_mining import mine_bundles
from server.pricing.for_you import compute_for_you
from server.services import Services
from server.settings import Settings


class Bar:
    """A one-line bar on stderr, redrawn at most every half second, fed by the jobs' progress reports."""

    def __init__(self, stage: str) -> None:
        self.stage, self.began, self.shown, self.note = stage, time.monotonic(), 0.0, ""

    def __call__(self, done: int, total: int | None, note: str) -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if now - self.shown < 0.5 and not finished and note == self.note:
            return
        if note != self.note and self.note:
            print(file=sys.stderr)
        self.shown, self.note = now, note
        share = done / total if total else 0
        print(f"\r{self.stage:<8} {note:<18} [{'#' * int(30 * share):<30}] {done:>9,}/{total or 0:,} "
              f"{now - self.began:7.1f} s", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        print(file=sys.stderr)


def timed(stage: str, run: Callable[[], dict]) -> tuple[dict, float]:
    bar = Bar(stage)
    began = time.perf_counter()
    with reporting_to(bar):
        result = run()
    bar.close()
    return result, time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mining", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database seeded by bench.scale_seed")
    parser.add_argument("--weeks", type=int, default=12, help="weeks of baskets to mine (at most 52)")
    parser.add_argument("--min-together", type=int, default=20)
    args = parser.parse_args(argv)
    print(describe())
    with tempfile.TemporaryDirectory() as data_dir:
        services = Services.build(Settings.from_values({"database_url": args.database_url, "data_dir": data_dir}))
        with services.db.session() as session:
            last = session.scalar(select(func.max(PostedTransaction.at)))
        sessions = services.db.session
        bundles, bundle_seconds = timed("bundles", lambda: mine_bundles(
            sessions, last, args.weeks, min_together=args.min_together, limit=20, discount_bp=1000))
        picks, pick_seconds = timed("for you", lambda: compute_for_you(
            sessions, last, args.weeks, recent_weeks=max(1, args.weeks // 3), min_together=args.min_together,
            min_before=3, limit=3))
        services.dispose()
    print(f"{args.weeks} weeks to {last:%Y-%m-%d}: bundle suggestions over {bundles['baskets']:,} profiled baskets, "
          f"{len(bundles['suggestions'])} suggestions (best lift "
          f"{bundles['suggestions'][0]['lift'] if bundles['suggestions'] else '-'}) in {bundle_seconds:.1f} s")
    print(f"for you: {picks['members']:,} profiled members, {picks['members_with_picks']:,} with picks, "
          f"{len(picks['proposals'])} products proposed, in {pick_seconds:.1f} s (reading, picking and writing)")


if __name__ == "__main__":
    main()
