"""Sales drawn by day, hour, store, member and basket, and priced by the engine."""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from promotions import BasketLine, Member, PricingRequest, Store, price_basket
from server.demo.chain import HOUR_CUM, HOURS, LINE_CUM, LINES, MEMBER_SHARE, WEEKDAY, Chain, pick


def day_weights(chain: Chain) -> list[float]:
    """The week's rhythm times the year's: a summer lift and a December peak."""
    weights = []
    for n in range(chain.size.days):
        day = (chain.start + timedelta(days=n)).date()
        season = 1 + 0.12 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
        weights.append(WEEKDAY[day.weekday()] * season * (1.35 if day.month == 12 and day.day < 25 else 1))
    return weights


def apportion(weights: list[float], total: int) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder), adding up exactly."""
    shares = [w * total / sum(weights) for w in weights]
    counts = [int(x) for x in shares]
    for n in sorted(range(len(shares)), key=lambda n: counts[n] - shares[n])[:total - sum(counts)]:
        counts[n] += 1
    return counts


def basket(chain: Chain, rng: random.Random) -> list[tuple[int, int]]:
    """(product index, qty): popular products often, companions alongside, no product twice."""
    chosen: dict[int, int] = {}
    for _ in range(LINES[pick(rng, LINE_CUM)]):
        n = pick(rng, chain.cum_popularity)
        chosen.setdefault(n, rng.choice((1, 1, 1, 2, 2, 3)))
        if rng.random() < 1 / 3:
            chosen.setdefault(chain.companion[n], 1)
    return list(chosen.items())


@dataclass
class Sale:
    id: str
    store: str
    zone: str
    terminal: str
    at: datetime
    member: dict | None
    items: list[tuple[int, int]]


def price(chain: Chain, sale: Sale):
    lines = tuple(BasketLine(str(i), chain.products[n]["sku"], chain.products[n]["base_price_minor"], qty,
                             category=chain.products[n]["category"],
                             excluded_from_points=chain.products[n]["excluded_from_points"])
                  for i, (n, qty) in enumerate(sale.items, 1))
    member = Member(sale.member["id"], sale.member["tier"]) if sale.member else None
    return price_basket(PricingRequest(lines, Store(sale.store, sale.zone), sale.at, member=member), chain.catalogue)


def make_sale(chain: Chain, rng: random.Random, n: int, day: datetime) -> Sale:
    member = chain.members[pick(rng, chain.cum_activity)] if rng.random() < MEMBER_SHARE else None
    if member is None:
        store = pick(rng, chain.store_weights)
    else:
        roll = rng.random()
        store = member["home"] if roll < 0.75 else member["second"] if roll < 0.95 else pick(rng, chain.store_weights)
    code, zone = chain.stores[store]
    local = datetime.combine(day.date(), datetime.min.time(), ZoneInfo(zone)).replace(
        hour=HOURS[pick(rng, HOUR_CUM)], minute=rng.randrange(60), second=rng.randrange(60))
    sale_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return Sale(sale_id, code, zone, rng.choice(chain.tills[code]), local.astimezone(UTC), member, basket(chain, rng))
