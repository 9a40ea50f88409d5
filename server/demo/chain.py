"""The chain's shape: its size, what the generator knows while it writes, stores, tills, products
and offline episodes, and the weights sales are drawn by."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from loyalty.entries import Entry
from promotions import Catalogue
from server.demo.bulk import Writer
from server.demo.catalogue import products as demo_products

ZONES = ("Europe/Berlin", "Europe/London", "Europe/Madrid", "Europe/Warsaw", "Europe/Helsinki")
WEEKDAY = (0.85, 0.9, 0.95, 1.0, 1.2, 1.45, 0.55)  # Monday .. Sunday
HOURS = tuple(range(8, 21))
HOUR_WEIGHT = (0.5, 0.7, 0.8, 0.9, 1.1, 1.0, 0.8, 0.8, 1.0, 1.3, 1.5, 1.3, 0.8)
LINES = tuple(range(1, 16))
LINE_WEIGHT = tuple(math.exp(-n / 4.2) for n in LINES)  # mean about 5 lines
MEMBER_SHARE, RETURN_SHARE, REDEEM_SHARE = 0.6, 0.01, 0.08


@dataclass(frozen=True)
class Size:
    stores: int = 300
    tills: int = 3_000
    members: int = 200_000
    days: int = 730
    sales: int = 1_000_000
    products: int = 2_000

    def scaled(self, factor: float) -> Size:
        def by(n: int, least: int) -> int:
            return max(least, round(n * factor))
        return Size(by(self.stores, 2), by(self.tills, 2), by(self.members, 20), self.days, by(self.sales, 50),
                    self.products)


@dataclass
class Chain:
    """What the generator knows while it writes: stores, products, members, promotions."""

    size: Size
    start: datetime
    stores: list[tuple[str, str]] = field(default_factory=list)  # (code, zone)
    store_weights: list[float] = field(default_factory=list)
    tills: dict[str, list[str]] = field(default_factory=dict)
    products: list[dict] = field(default_factory=list)
    cum_popularity: list[float] = field(default_factory=list)
    companion: list[int] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    cum_activity: list[float] = field(default_factory=list)
    catalogue: Catalogue | None = None
    lots: dict[str, list[list]] = field(default_factory=dict)  # member id -> [[expires_at, remaining]]
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    offline: dict[tuple[str, date], tuple[int, int]] = field(default_factory=dict)  # hours (from, to)


def cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


def pick(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


def uid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def build_stores(chain: Chain, rng: random.Random, out: Writer) -> None:
    size, at = chain.size, chain.start - timedelta(days=400)
    for n in range(size.stores):
        code, zone, store_id = f"S{n + 1:03d}", ZONES[n % len(ZONES)], uid(rng)
        chain.stores.append((code, zone))
        chain.store_weights.append(rng.lognormvariate(0, 0.5))
        out.add("stores", store_id, code, f"Store {n + 1}", zone, at)
        chain.tills[code] = []
        for t in range(size.tills // size.stores + (1 if n < size.tills % size.stores else 0)):
            key = hashlib.sha256(f"{code}/T{t + 1}".encode()).hexdigest()[:32]
            out.add("terminals", uid(rng), store_id, f"T{t + 1}", key, rng.randbytes(32), True, at)
            chain.tills[code].append(f"T{t + 1}")
    chain.store_weights = cumulative(chain.store_weights)


def use_stores(chain: Chain, stores: list[tuple[str, str, list[str]]], rng: random.Random) -> None:
    """Trade in stores that exist already: (code, time zone, till codes) each."""
    for code, zone, tills in stores:
        chain.stores.append((code, zone))
        chain.store_weights.append(rng.lognormvariate(0, 0.5))
        chain.tills[code] = list(tills)
    chain.store_weights = cumulative(chain.store_weights)


def build_products(chain: Chain, rng: random.Random, out: Writer) -> None:
    chain.products = demo_products(chain.size.products, rng)
    order = list(range(len(chain.products)))
    rng.shuffle(order)  # popularity rank independent of category
    popularity = [0.0] * len(order)
    for rank, n in enumerate(order):
        popularity[n] = 1 / (rank + 1) ** 1.05
    chain.cum_popularity = cumulative(popularity)
    chain.companion = [rng.randrange(len(chain.products)) for _ in chain.products]
    for p in chain.products:
        out.add("products", p["sku"], p["name"], p["category"], p["base_price_minor"], "standard",
                p["excluded_from_points"], True, chain.start - timedelta(days=400))
        for barcode in p["barcodes"]:
            out.add("product_barcodes", barcode, p["sku"])


def plan_offline(chain: Chain, rng: random.Random) -> None:
    """About six offline episodes a store per year, of two to eight hours."""
    for code, _ in chain.stores:
        for _ in range(max(1, chain.size.days * 6 // 365)):
            day = (chain.start + timedelta(days=rng.randrange(chain.size.days))).date()
            first = rng.choice(HOURS)
            chain.offline[(code, day)] = (first, first + rng.randint(2, 8))


LINE_CUM = cumulative(LINE_WEIGHT)


HOUR_CUM = cumulative(HOUR_WEIGHT)
