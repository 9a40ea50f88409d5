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
