"""A chain's data made by code: the chain-scale benchmark set (``python -m bench.scale_seed``, on
PostgreSQL) and, at a small size, the demo's history (``server.demo.seed``, on SQLite or PostgreSQL).

Full size (``Size()``): 300 stores, 3,000 tills, 200,000 members, two years (730 days) ending at
``end``, 1,000,000 sales of 5 lines on average. The same seed and ``end`` give the same rows.

Shape: products are popular or rare (Zipf weights), some are bought together (each product has a
companion that joins its basket a third of the time); sales follow the week (busy Saturdays, quiet
Sundays) and the year (a summer lift, a December peak), stores differ in size; 60 % of sales are
members', who are regulars or occasional shoppers, mostly in their home store, some in a second one,
a few anywhere. Every sale is priced by the engine (``promotions.price_basket``) against the
chain's promotions: a percentage off produce, a 3-for-2 on snacks, double points on coffee, a member
price, and two targeted offers with held-out members (``promotions.holdout``). Points follow the
programme (``loyalty``): earn and bonus entries with their lots' expiry, redemptions within the
available balance (first-expiring first), and, after the last day, every lot past its expiry
expired by ``loyalty.expiry.expire_due`` from the member's replayed ledger, as the expiry job
would. Anonymous sales are sometimes returned a few days later; each store has offline episodes
whose sales arrive at the server (``received_at``) when the link returns.

Ledger invariants kept: every entry's id derives from its source (``loyalty.ids.entry_id``), a
member's balance is the sum of their entries, no debit takes more than the lots alive at its time
hold, and nothing is left past its expiry. Tills are rows with placeholder keys (no credential
is issued: register a till with ``onecard terminals register`` to post to the seeded chain).

Writes go in batches into an empty, migrated database: through COPY (psycopg ``cursor.copy``,
``CopyWriter``) on PostgreSQL, or batched INSERTs (``InsertWriter``) on either database. The demo
then puts what it needs on the change feed (``publish``), as the API would have.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import math
import os
import random
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Uuid, create_engine, select, text
from sqlalchemy.orm import Session

from loyalty.cards import gs1_check_digit
from loyalty.earning import Bonus, SaleLine, compute_earning, earn_entries
from loyalty.entries import Entry, EntryKind
from loyalty.expiry import expire_due
from loyalty.ids import entry_id
from loyalty.ledger import replay
from promotions import BasketLine, Catalogue, Member, PricingRequest, Store, price_basket
from server.dbmigrate import upgrade
from server.demo.catalogue import products as demo_products
from server.membership.ledger import rebuild_kept
from server.membership.program import program_from_settings
from server.membership.publishing import publish_cards_of, publish_member
from server.models import Base, Product, PromotionRecord
from server.pricing.publishing import publish_product, publish_promotion
from server.pricing.versions import canonical
from server.schemas.promotions import DefinitionSchema
from server.settings import Settings
from store_sync.promotion_definitions import to_promotion

ZONES = ("Europe/Berlin", "Europe/London", "Europe/Madrid", "Europe/Warsaw", "Europe/Helsinki")
WEEKDAY = (0.85, 0.9, 0.95, 1.0, 1.2, 1.45, 0.55)  # Monday .. Sunday
HOURS = tuple(range(8, 21))
HOUR_WEIGHT = (0.5, 0.7, 0.8, 0.9, 1.1, 1.0, 0.8, 0.8, 1.0, 1.3, 1.5, 1.3, 0.8)
LINES = tuple(range(1, 16))
LINE_WEIGHT = tuple(math.exp(-n / 4.2) for n in LINES)  # mean about 5 lines
MEMBER_SHARE, RETURN_SHARE, REDEEM_SHARE = 0.6, 0.01, 0.08
BATCH = 5_000


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


COLUMNS: dict[str, tuple[str, ...]] = {
    "stores": ("id", "code", "name", "timezone", "created_at"),
    "terminals": ("id", "store_id", "code", "key_id", "public_key", "active", "created_at"),
    "products": ("sku", "name", "category", "base_price_minor", "tax_class", "excluded_from_points", "active",
                 "updated_at"),
    "product_barcodes": ("barcode", "sku"),
    "members": ("id", "name", "name_search", "email", "home_store", "created_at_store", "consents", "notes",
                "tier", "tier_since", "created_at"),
    "cards": ("number", "member_id", "kind", "state", "issued_at", "state_changed_at"),
    "promotions": ("id", "kind", "current_version", "state", "created_at", "updated_at"),
    "promotion_versions": ("promotion_id", "version", "definition", "created_at", "created_by"),
    "transactions": ("id", "kind", "store_code", "terminal_code", "at", "offline", "member_id", "card_number",
                     "original_id", "total_minor", "points_earned", "points_redeemed", "body", "body_hash",
                     "outcome", "received_at"),
    "sale_discounts": ("transaction_id", "line_id", "promotion_id", "version", "label", "amount_minor",
                       "member_id", "store_code", "at"),
    "promotion_uses": ("transaction_id", "promotion_id", "member_id", "store_code", "at"),
    "ledger_entries": ("id", "member_id", "kind", "points", "at", "expires_at", "lot_id", "source_id", "offline",
                       "reason", "actor", "recorded_at"),
}


class Writer(ABC):
    """Rows by table, written every BATCH sales by ``flush``; JSON columns are given as dicts."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
        self.written: dict[str, int] = dict.fromkeys(COLUMNS, 0)

    def add(self, table: str, *row) -> None:
        self.rows[table].append(row)

    def flush(self) -> None:
        for table, rows in self.rows.items():  # COLUMNS' order: a row's references are written first
            if rows:
                self.write(table, rows)
                self.written[table] += len(rows)
                rows.clear()
        self.commit()

    @abstractmethod
    def write(self, table: str, rows: list[tuple]) -> None:
        """Send one table's rows."""

    @abstractmethod
    def commit(self) -> None:
        """Make what was sent stick (a commit, or a flush of the caller's session)."""


class CopyWriter(Writer):
    """PostgreSQL's COPY on a psycopg connection: the bulk path for the chain-scale set."""

    def __init__(self, connection) -> None:
        super().__init__()
        self.connection = connection

    def write(self, table: str, rows: list[tuple]) -> None:
        with self.connection.cursor() as cursor, cursor.copy(
                f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in row])

    def commit(self) -> None:
        self.connection.commit()


class InsertWriter(Writer):
    """Batched INSERTs through a SQLAlchemy session, on SQLite or PostgreSQL (the demo's size)."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def write(self, table: str, rows: list[tuple]) -> None:
        columns = Base.metadata.tables[table].c
        uuids = {name for name in COLUMNS[table] if isinstance(columns[name].type, Uuid)}
        self.session.execute(Base.metadata.tables[table].insert(), [
            {name: uuid.UUID(v) if name in uuids and isinstance(v, str) else v
             for name, v in zip(COLUMNS[table], row, strict=True)} for row in rows])

    def commit(self) -> None:
        self.session.flush()


def cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


def pick(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


def uid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


# --- the chain: stores, tills, products, members, promotions -------------------------------------

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


def build_members(chain: Chain, rng: random.Random, out: Writer, card_prefix: str,
                  names: tuple[str, ...] = ()) -> None:
    """Members who are regulars or occasional shoppers (``names`` first, then "Member N")."""
    size = chain.size
    activity = [rng.paretovariate(1.6) for _ in range(size.members)]
    ranked = sorted(activity, reverse=True)
    gold, silver = ranked[size.members // 20], ranked[size.members // 5]
    for n, weight in enumerate(activity):
        member_id, home = uid(rng), pick(rng, chain.store_weights)
        tier = "gold" if weight > gold else "silver" if weight > silver else "basic"
        second = pick(rng, chain.store_weights)
        created = chain.start - timedelta(days=rng.randrange(1, 365))
        name = names[n] if n < len(names) else f"Member {n + 1}"
        chain.members.append({"id": str(member_id), "name": name, "tier": tier, "home": home, "second": second,
                              "card": f"{card_prefix}{n + 1:010d}" + gs1_check_digit(f"{card_prefix}{n + 1:010d}")})
        out.add("members", member_id, name, name.lower(), f"member{n + 1}@example.org", chain.stores[home][0],
                chain.stores[home][0], {"marketing_email": n % 3 == 0, "profiling": n % 2 == 0}, "", tier, created,
                created)
        out.add("cards", chain.members[-1]["card"], member_id, "barcode", "active", created, created)
    chain.cum_activity = cumulative(activity)


def promotion_definitions(chain: Chain) -> list[dict]:
    """The chain's offers; the two targeted ones hold out members, in windows of up to four and three
    weeks starting 55 % and 80 % of the way through the period."""
    by_category: dict[str, list[str]] = {}
    for p in chain.products:
        by_category.setdefault(p["category"], []).append(p["sku"])
    days = chain.size.days
    late, later = chain.start + timedelta(days=days * 55 // 100), chain.start + timedelta(days=days * 80 // 100)
    four_weeks, three_weeks = timedelta(days=max(1, min(28, days // 4))), timedelta(days=max(1, min(21, days // 5)))

    def scope(categories=(), skus=()):
        return {"skus": list(skus), "categories": list(categories), "whole_basket": False}

    return [
        {"label": "10 % off produce", "rule": {"kind": "percent_off", "percent_bp": 1000,
                                               "scope": scope(["produce"])}},
        {"label": "3 for 2 snacks", "rule": {"kind": "multi_buy", "buy": 2, "get": 1, "scope": scope(["snacks"])}},
        {"label": "Double points on coffee", "rule": {"kind": "bonus_points", "extra_bp": 10_000,
                                                      "scope": scope(["coffee"])}},
        {"label": "Member prices on bakery", "rule": {"kind": "member_price", "prices": [
            {"sku": sku, "price_minor": 0} for sku in by_category["bakery"][:20]]}},
        {"label": "Members: 20 % off dairy", "rule": {"kind": "percent_off", "percent_bp": 2000,
                                                      "scope": scope(["dairy"])},
         "targeting": {"members_only": True, "holdout_bp": 1000},
         "window": {"start": late.isoformat(), "end": (late + four_weeks).isoformat()}},
        {"label": "Gold: 15 % off wine", "rule": {"kind": "percent_off", "percent_bp": 1500, "scope": scope(["wine"])},
         "targeting": {"tiers": ["gold"], "holdout_bp": 2000},
         "window": {"start": later.isoformat(), "end": (later + three_weeks).isoformat()}},
        # Rewards bought with points: they apply only when a member takes one at a till, so the
        # generated sales (which take none) are priced the same with them in the catalogue.
        {"label": "Free coffee beans", "rule": {"kind": "reward", "reward": "free_product", "points": 1200,
                                                 "sku": by_category["coffee"][0]}},
        {"label": "5.00 voucher", "rule": {"kind": "reward", "reward": "voucher", "points": 500, "amount_minor": 500},
         "usage_limit": {"max_uses": 1, "period": "week"}},
    ]


def build_promotions(chain: Chain, rng: random.Random, out: Writer) -> None:
    prices = {p["sku"]: p["base_price_minor"] for p in chain.products}
    engine = []
    for given in promotion_definitions(chain):
        if given["rule"]["kind"] == "member_price":  # a tenth off the shelf price, for members
            given["rule"]["prices"] = [{"sku": p["sku"], "price_minor": prices[p["sku"]] * 9 // 10}
                                       for p in given["rule"]["prices"]]
        definition = canonical(DefinitionSchema().load(given))
        promotion_id, created = uid(rng), chain.start - timedelta(days=30)
        out.add("promotions", promotion_id, given["rule"]["kind"], 1, "active", created, created)
        out.add("promotion_versions", promotion_id, 1, definition, created, "server.demo.generator")
        engine.append(to_promotion(str(promotion_id), 1, definition))
    chain.catalogue = Catalogue(engine)


def plan_offline(chain: Chain, rng: random.Random) -> None:
    """About six offline episodes a store per year, of two to eight hours."""
    for code, _ in chain.stores:
        for _ in range(max(1, chain.size.days * 6 // 365)):
            day = (chain.start + timedelta(days=rng.randrange(chain.size.days))).date()
            first = rng.choice(HOURS)
            chain.offline[(code, day)] = (first, first + rng.randint(2, 8))


# --- sales, returns, points ---------------------------------------------------------------------

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


LINE_CUM = cumulative(LINE_WEIGHT)


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


def available(chain: Chain, member_id: str, at: datetime) -> int:
    return sum(lot[1] for lot in chain.lots.get(member_id, ()) if lot[0] is None or lot[0] > at)


def take(chain: Chain, member_id: str, at: datetime, points: int) -> None:
    """First-expiring first, from the lots alive at ``at`` (as loyalty.ledger replays a redemption)."""
    for lot in sorted((lot for lot in chain.lots[member_id] if lot[0] is None or lot[0] > at),
                      key=lambda lot: (lot[0] is None, lot[0])):
        taken = min(lot[1], points)
        lot[1], points = lot[1] - taken, points - taken
        if not points:
            return


def record_sale(chain: Chain, sale: Sale, program, out: Writer, received_at: datetime, offline: bool,
                rng: random.Random) -> dict:
    priced = price(chain, sale)
    by_line = dict(enumerate(sale.items, 1))
    lines = [{"line_id": ln.line_id, "sku": ln.sku, "qty": ln.qty, "paid_minor": ln.total,
              "category": chain.products[by_line[int(ln.line_id)][0]]["category"],
              "excluded": chain.products[by_line[int(ln.line_id)][0]]["excluded_from_points"],
              "discounts": [{"promotion_id": d.promotion_id, "version": d.promotion_version, "label": d.label,
                             "amount_minor": d.amount} for d in ln.discounts]} for ln in priced.lines]
    total, member = priced.total, sale.member
    redeemed = 0
    if member and rng.random() < REDEEM_SHARE:
        most = min(available(chain, member["id"], sale.at), total // 2)  # 100 points pay 1.00
        redeemed = most // 100 * 100 if most >= 500 else 0
    tenders = ([{"kind": "points", "amount_minor": redeemed, "points": redeemed}] if redeemed else []) + [
        {"kind": "card", "amount_minor": total - redeemed}]
    earned = bonus = 0
    entries: list[Entry] = []
    line_points: dict[str, int] = {}
    if member:
        if redeemed:
            take(chain, member["id"], sale.at, redeemed)
            entries.append(Entry(entry_id(sale.id, "redeem"), member["id"], EntryKind.REDEEM, -redeemed, sale.at,
                                 source_id=sale.id, offline=offline))
        earning = compute_earning([SaleLine(ln["line_id"], ln["paid_minor"], ln["qty"], ln["category"],
                                            ln["excluded"] or ln["category"] in program.excluded_categories)
                                   for ln in lines], program.earning, tier=member["tier"],
                                  points_tender_minor=redeemed)
        bonuses = [Bonus(a.promotion_id, a.points) for a in priced.bonus if a.points > 0]
        credits = earn_entries(sale.id, member["id"], sale.at, earning, bonuses, program.expiry)
        entries.extend(credits)
        chain.lots.setdefault(member["id"], []).extend([e.expires_at, e.points] for e in credits)
        earned, bonus, line_points = earning.points, sum(b.points for b in bonuses), dict(earning.line_points)
        chain.entries.setdefault(member["id"], []).extend(entries)
    body = {"id": sale.id, "kind": "sale", "store": sale.store, "terminal": sale.terminal, "at": sale.at.isoformat(),
            "offline": offline, "card_number": member["card"] if member else None, "lines": lines,
            "tenders": tenders, "points_earned": earned + bonus if member else None}
    outcome = {"transaction_id": sale.id, "status": "applied", "points_earned": earned + bonus,
               "bonus_points": bonus, "points_redeemed": redeemed, "line_points": line_points, "exceptions": []}
    raw = json.dumps(body, separators=(",", ":"))
    member_id = member["id"] if member else None
    out.add("transactions", sale.id, "sale", sale.store, sale.terminal, sale.at, offline, member_id,
            member["card"] if member else None, None, total, earned + bonus, redeemed, body,
            hashlib.sha256(raw.encode()).hexdigest(), outcome, received_at)
    used = {}
    for ln in lines:
        for d in ln["discounts"]:
            used[d["promotion_id"]] = True
            out.add("sale_discounts", sale.id, ln["line_id"], d["promotion_id"], d["version"], d["label"],
                    d["amount_minor"], member_id, sale.store, sale.at)
    if member:
        used.update((a.promotion_id, True) for a in priced.bonus if a.points > 0)
        for promotion_id in used:
            out.add("promotion_uses", sale.id, promotion_id, member_id, sale.store, sale.at)
        for e in entries:
            out.add("ledger_entries", e.id, member_id, e.kind.value, e.points, e.at, e.expires_at, e.lot_id,
                    e.source_id, e.offline, e.reason, e.actor, received_at)
    return body


def record_return(sale: dict, total: int, at: datetime, out: Writer) -> None:
    """The whole anonymous sale brought back: a refund of every line."""
    return_id = str(uuid.UUID(bytes=hashlib.sha256(f"return/{sale['id']}".encode()).digest()[:16], version=4))
    body = {"id": return_id, "kind": "return", "store": sale["store"], "terminal": sale["terminal"],
            "at": at.isoformat(), "original_id": sale["id"],
            "lines": [{"line_id": ln["line_id"], "sku": ln["sku"], "qty": ln["qty"]} for ln in sale["lines"]]}
    raw = json.dumps(body, separators=(",", ":"))
    outcome = {"transaction_id": return_id, "status": "applied", "refund_minor": total, "points_reversed": 0}
    out.add("transactions", return_id, "return", sale["store"], sale["terminal"], at, False, None, None, sale["id"],
            -total, 0, 0, body, hashlib.sha256(raw.encode()).hexdigest(), outcome, at + timedelta(seconds=2))


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


HOUR_CUM = cumulative(HOUR_WEIGHT)


def write_sales(chain: Chain, rng: random.Random, out: Writer, program, progress) -> dict[str, int]:
    made = returns = lines = 0
    pending: list[tuple[datetime, dict, int]] = []  # returns to write once their day comes
    for n, count in enumerate(apportion(day_weights(chain), chain.size.sales)):
        day = chain.start + timedelta(days=n)
        sales = sorted((make_sale(chain, rng, made + i, day) for i in range(count)), key=lambda s: s.at)
        for sale in sales:
            episode = chain.offline.get((sale.store, sale.at.astimezone(ZoneInfo(sale.zone)).date()))
            local_hour = sale.at.astimezone(ZoneInfo(sale.zone)).hour
            offline = episode is not None and episode[0] <= local_hour < episode[1]
            received = (sale.at.astimezone(ZoneInfo(sale.zone)).replace(hour=min(episode[1], 23), minute=59)
                        .astimezone(UTC) if offline else sale.at + timedelta(seconds=1))
            body = record_sale(chain, sale, program, out, received, offline, rng)
            lines += len(body["lines"])
            if sale.member is None and rng.random() < RETURN_SHARE:
                total = sum(ln["paid_minor"] for ln in body["lines"])
                pending.append((sale.at + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 3)), body, total))
        for at, body, total in [p for p in pending if p[0] < day + timedelta(days=1)]:
            record_return(body, total, at, out)
            returns += 1
        pending = [p for p in pending if p[0] >= day + timedelta(days=1)]
        made += count
        if len(out.rows["transactions"]) >= BATCH:
            out.flush()
        progress("sales", made, chain.size.sales)
    out.flush()
    return {"sales": made, "lines": lines, "returns": returns}


def write_expiries(chain: Chain, end: datetime, out: Writer, progress) -> int:
    """Every lot past its expiry at ``end``, expired as the expiry job does, from the replayed ledger."""
    expired = 0
    for n, (member_id, entries) in enumerate(chain.entries.items(), 1):
        for e in expire_due(replay(member_id, entries), end):
            out.add("ledger_entries", e.id, member_id, e.kind.value, e.points, e.at, e.expires_at, e.lot_id,
                    e.source_id, e.offline, e.reason, e.actor, e.at)
            expired += 1
        if len(out.rows["ledger_entries"]) >= BATCH * 4:
            out.flush()
        if n % 1000 == 0 or n == len(chain.entries):
            progress("expiries", n, len(chain.entries))
    out.flush()
    return expired


# --- the whole chain -----------------------------------------------------------------------------

def no_progress(_stage: str, _done: int, _total: int) -> None:
    pass


def generate(chain: Chain, rng: random.Random, out: Writer, program, card_prefix: str, progress=no_progress,
             names: tuple[str, ...] = ()) -> dict[str, int]:
    """Products, promotions, members, the sales of every day and the expiries after the last one,
    for a chain whose stores are built (``build_stores``) or given (``use_stores``)."""
    build_products(chain, rng, out)
    build_promotions(chain, rng, out)
    out.flush()
    build_members(chain, rng, out, card_prefix, names)
    out.flush()
    progress("members", chain.size.members, chain.size.members)
    plan_offline(chain, rng)
    counts = write_sales(chain, rng, out, program, progress)
    counts["expiries"] = write_expiries(chain, chain.start + timedelta(days=chain.size.days), out, progress)
    return counts


def seed(database_url: str, size: Size, end: date, seed_value: int, progress=no_progress) -> dict:
    """Build the chain into an empty PostgreSQL database at ``database_url`` through COPY; returns
    what was written. Tills get placeholder keys (register one to post to the chain)."""
    began = time.monotonic()
    settings = Settings.load({**os.environ, "ONECARD_DATABASE_URL": database_url,
                              "ONECARD_SECRET_KEY": "scale-seed-never-signs-anything-0123456789"})
    engine = create_engine(settings.database_url)
    upgrade(engine)
    with engine.connect() as connection:
        if connection.execute(text("SELECT EXISTS (SELECT 1 FROM members)")).scalar():
            raise SystemExit("the database already holds members; give the generator an empty one")
    rng = random.Random(seed_value)
    chain = Chain(size, datetime.combine(end, datetime.min.time(), UTC) - timedelta(days=size.days))
    raw = engine.raw_connection()
    try:
        out = CopyWriter(raw.driver_connection)
        build_stores(chain, rng, out)
        counts = generate(chain, rng, out, program_from_settings(settings), settings.card_prefix, progress)
        raw.driver_connection.commit()
        counts["kept_balances"] = keep_balances(engine)
        raw.driver_connection.autocommit = True
        with raw.driver_connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        raw.close()
        engine.dispose()
    return {**counts, "rows": out.written, "seconds": round(time.monotonic() - began, 1)}


def keep_balances(engine) -> int:
    """The kept balances and open lots the server reads on its hot paths, from the entries COPY wrote."""
    with Session(engine) as session:
        kept = rebuild_kept(session)
        session.commit()
    return kept


def seed_stores(session: Session, stores: list[tuple[str, str, list[str]]], size: Size, end: date,
                seed_value: int, program, card_prefix: str, names: tuple[str, ...] = ()) -> Chain:
    """Build a small chain's history into ``session`` (batched INSERTs) for stores that exist
    already, and keep the members' balances; the caller publishes (``publish``) and commits."""
    rng = random.Random(seed_value)
    chain = Chain(size, datetime.combine(end, datetime.min.time(), UTC) - timedelta(days=size.days))
    use_stores(chain, stores, rng)
    out = InsertWriter(session)
    generate(chain, rng, out, program, card_prefix, names=names)
    rebuild_kept(session)
    return chain


def publish(session: Session, chain: Chain, program, now: datetime) -> None:
    """Put the generated products, promotions and members (with their cards) on the change feed."""
    for product in session.scalars(select(Product).where(Product.sku.in_([p["sku"] for p in chain.products]))):
        publish_product(session, product, now)
    for record in session.scalars(select(PromotionRecord)):
        publish_promotion(session, record, now)
    for member in chain.members:
        member_id = uuid.UUID(member["id"])
        publish_member(session, member_id, program, now)
        publish_cards_of(session, member_id, now)
