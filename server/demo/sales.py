"""Sales and returns written as the server records them: the transaction, its discounts, the
promotions it used and the member's ledger entries."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from loyalty.earning import Bonus, Earning, SaleLine, compute_earning, earn_entries
from loyalty.entries import Entry, EntryKind
from loyalty.ids import entry_id
from server.demo.baskets import Sale, apportion, day_weights, make_sale, price
from server.demo.bulk import BATCH, Writer
from server.demo.chain import REDEEM_SHARE, RETURN_SHARE, Chain
from server.demo.points import available, take


@dataclass(frozen=True)
class Priced:
    """A sale as the engine prices it (the lines as the sale's body holds them, the total, the bonus
    points) and, for a member, what it earns if no points pay for it (most sales): all pure, so
    worker processes compute them (``pricing_pool``)."""

    lines: list[dict]
    total: int
    bonus: tuple[Bonus, ...]
    earning: Earning | None


def price_sale(chain: Chain, program, sale: Sale) -> Priced:
    priced = price(chain, sale)
    by_line = dict(enumerate(sale.items, 1))
    lines = [{"line_id": ln.line_id, "sku": ln.sku, "qty": ln.qty, "paid_minor": ln.total,
              "category": chain.products[by_line[int(ln.line_id)][0]]["category"],
              "excluded": chain.products[by_line[int(ln.line_id)][0]]["excluded_from_points"],
              "discounts": [{"promotion_id": d.promotion_id, "version": d.promotion_version, "label": d.label,
                             "amount_minor": d.amount} for d in ln.discounts]} for ln in priced.lines]
    bonus = tuple(Bonus(a.promotion_id, a.points) for a in priced.bonus if a.points > 0)
    earning = earning_of(lines, program, sale.member["tier"], 0) if sale.member else None
    return Priced(lines, priced.total, bonus, earning)


def earning_of(lines: list[dict], program, tier: str, redeemed: int) -> Earning:
    return compute_earning([SaleLine(ln["line_id"], ln["paid_minor"], ln["qty"], ln["category"],
                                     ln["excluded"] or ln["category"] in program.excluded_categories)
                            for ln in lines], program.earning, tier=tier, points_tender_minor=redeemed)


def record_sale(chain: Chain, sale: Sale, priced: Priced, program, out: Writer, received_at: datetime,
                offline: bool, rng: random.Random) -> dict:
    lines = priced.lines
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
        earning = earning_of(lines, program, member["tier"], redeemed) if redeemed else priced.earning
        bonuses = list(priced.bonus)
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
        used.update((b.promotion_id, True) for b in priced.bonus)
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


def write_sales(chain: Chain, rng: random.Random, out: Writer, program, progress,
                prices: Callable[[list[Sale]], Iterable[Priced]]) -> dict[str, int]:
    """Every day's sales, priced by ``prices`` (in the sales' order), and the returns they bring."""
    made = returns = lines = 0
    pending: list[tuple[datetime, dict, int]] = []  # returns to write once their day comes
    for n, count in enumerate(apportion(day_weights(chain), chain.size.sales)):
        day = chain.start + timedelta(days=n)
        sales = sorted((make_sale(chain, rng, made + i, day) for i in range(count)), key=lambda s: s.at)
        for sale, priced in zip(sales, prices(sales), strict=True):
            episode = chain.offline.get((sale.store, sale.at.astimezone(ZoneInfo(sale.zone)).date()))
            local_hour = sale.at.astimezone(ZoneInfo(sale.zone)).hour
            offline = episode is not None and episode[0] <= local_hour < episode[1]
            received = (sale.at.astimezone(ZoneInfo(sale.zone)).replace(hour=min(episode[1], 23), minute=59)
                        .astimezone(UTC) if offline else sale.at + timedelta(seconds=1))
            body = record_sale(chain, sale, priced, program, out, received, offline, rng)
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
