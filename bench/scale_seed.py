"""A chain-scale data set on PostgreSQL, made by code: ``python -m bench.scale_seed``.

The command line of ``server.demo.generator`` (what it builds and how is described there).
Defaults (``--scale 1``): 300 stores, 3,000 tills, 200,000 members, two years (730 days) ending at
``--end``, 1,000,000 sales of 5 lines on average. ``--scale 0.05`` scales stores, tills, members and
sales together; ``--stores/--tills/--members/--days/--sales`` set one size each. The same ``--seed``
and ``--end`` give the same rows, whatever ``--workers`` (processes pricing sales with the engine
while the main one records them; default 2). Writes go through COPY into an empty, migrated
database, with a progress bar per stage on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime

from bench.machine import describe
from server.demo import generator
from server.demo.generator import Size

__all__ = ["Progress", "Size", "main", "seed"]


class Progress:
    """A one-line bar on stderr per stage, redrawn at most every half second."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.began, self.shown = quiet, time.monotonic(), 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if self.quiet or (now - self.shown < 0.5 and done < total):
            return
        self.shown = now
        share = done / total if total else 1
        bar = "#" * int(30 * share)
        print(f"\r{stage:<9} [{bar:<30}] {done:>10,}/{total:,} {now - self.began:7.1f} s", end="",
              file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)


def seed(database_url: str, size: Size, end: date, seed_value: int, quiet: bool = False, workers: int = 2) -> dict:
    """Build the chain into an empty database at ``database_url`` (sales priced by ``workers``
    processes beside this one); returns what was written."""
    return generator.seed(database_url, size, end, seed_value, Progress(quiet), workers)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgresql://... of an empty database")
    parser.add_argument("--scale", type=float, default=1.0, help="scale the default chain (0.05: a twentieth)")
    for name in ("stores", "tills", "members", "days", "sales", "products"):
        parser.add_argument(f"--{name}", type=int, help=f"{name} (overrides --scale)")
    parser.add_argument("--end", type=date.fromisoformat, default=datetime.now(UTC).date(),
                        help="the day after the last day of trading (default: today, UTC)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2,
                        help="processes pricing sales beside the one writing them (0: price in it); same rows")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    size = Size().scaled(args.scale)
    size = Size(**{name: getattr(args, name) or getattr(size, name) for name in Size.__dataclass_fields__})
    if not args.quiet:
        print(describe(), file=sys.stderr)
        print(f"chain: {size}", file=sys.stderr)
    print(json.dumps(seed(args.database_url, size, args.end, args.seed, args.quiet, args.workers), indent=2))


if __name__ == "__main__":
    main()
