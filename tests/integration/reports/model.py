"""Expected report figures computed from the raw rows in plain Python, never with server.reports."""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.models import LedgerEntry, Member, PostedTransaction, Store


def raw_transactions(services) -> list[dict]:
    with services.db.session() as session:
        zones = {store.code: ZoneInfo(store.timezone) for store in session.scalars(select(Store))}
        rows = session.scalars(select(PostedTransaction)).all()
    return [{"kind": t.kind, "store": t.store_code, "at": t.at, "member_id": t.member_id, "total": t.total_minor,
             "lines": t.body.get("lines", []), "local_day": t.at.astimezone(zones[t.store_code]).date(),
             "member": t.member_id is not None} for t in rows]


def raw_entries(services) -> list[LedgerEntry]:
    with services.db.session() as session:
        return list(session.scalars(select(LedgerEntry)))


def raw_members(services) -> list[Member]:
    with services.db.session() as session:
        return list(session.scalars(select(Member)))


def sales_by_store_day(transactions: list[dict]) -> dict[tuple, dict[str, int]]:
    """(store, local day, member?) -> baskets, amount, items, returns, refunded."""
    out: dict[tuple, dict[str, int]] = defaultdict(lambda: dict(sales=0, sales_minor=0, items=0, returns=0,
                                                               returns_minor=0))
    for t in transactions:
        figures = out[(t["store"], t["local_day"], t["member"])]
        if t["kind"] == "sale":
            figures["sales"] += 1
            figures["sales_minor"] += t["total"]
            figures["items"] += sum(line["qty"] for line in t["lines"])
        else:
            figures["returns"] += 1
            figures["returns_minor"] -= t["total"]
    return dict(out)


def fefo_buckets(entries: list[LedgerEntry]) -> dict[str, int]:
    """Outstanding points by expiry month over all members: credits form lots; a debit aimed at a
    lot takes from it, any other takes from the lots alive at its time, first-expiring first."""
    buckets: dict[str, int] = defaultdict(int)
    by_member: dict = defaultdict(list)
    for e in entries:
        by_member[e.member_id].append(e)
    for member_entries in by_member.values():
        lots: dict = {}
        for e in sorted(member_entries, key=lambda e: (e.at, e.points < 0)):
            if e.points > 0:
                lots[e.id] = [e.expires_at, e.points]
                continue
            owed = -e.points
            targets = [lots[e.lot_id]] if e.lot_id in lots else sorted(
                (lot for lot in lots.values() if lot[0] is None or lot[0] > e.at),
                key=lambda lot: (lot[0] is None, lot[0]))
            for lot in targets:
                taken = min(lot[1], owed)
                lot[1], owed = lot[1] - taken, owed - taken
        for expires_at, left in lots.values():
            if left:
                buckets[expires_at.strftime("%Y-%m") if expires_at else "never"] += left
    return dict(buckets)
