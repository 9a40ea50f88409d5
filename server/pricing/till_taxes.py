"""The tax a till had at a feed cursor: each product's rate and its store's tax basis, from the feed.

A tax rate reaches a till inside each product's feed payload (``tax_rate_bp``) and the store's basis
inside the store's (``prices_include_tax``), so at cursor C a till priced with the latest of each
visible to its store with seq <= C (``server.pricing.till_catalogues`` reads promotions the same
way). An offline sale is re-checked with them, as it is with the programme version its till had: a
rate or basis changed after the till last synced is not held against it. A cursor past the feed's
head cannot be read: None, and the caller uses the rates it has. What a cursor shows never changes,
so a journal batch reads it once per store and cursor, for every sku its sales name (``batch_work``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.membership import batch_work
from server.models import ChangeRecord
from server.pricing.till_catalogues import head_covering
from server.sync.feed import visible_to
from store_sync.entities import Entity
from store_sync.feed import Op


@dataclass(frozen=True)
class TillTaxes:
    rates: dict[str, int]  # by sku: the rate of each product the till had (others: the server's own)
    prices_include_tax: bool | None  # None when the till had no payload of its store


def taxes_at(session: Session, store: str, cursor: int, skus: Iterable[str]) -> TillTaxes | None:
    """The rates of ``skus`` and the store's basis as store ``store``'s till had them at ``cursor``."""
    if cursor > head_covering(session, cursor):
        return None
    skus = set(skus)
    work = batch_work.pending(session)
    if work is None or not skus <= work.skus:
        return _taxes_at(session, store, cursor, skus)
    taxes = batch_work.read_once(session, ("till taxes", store, cursor),
                                 lambda: _taxes_at(session, store, cursor, work.skus))
    return TillTaxes({sku: rate for sku, rate in taxes.rates.items() if sku in skus}, taxes.prices_include_tax)


def _taxes_at(session: Session, store: str, cursor: int, skus: set[str]) -> TillTaxes:
    products = _latest(session, Entity.PRODUCT, sorted(set(skus)), store, cursor)
    stores = _latest(session, Entity.STORE, [store], store, cursor)
    rates = {payload["sku"]: int(payload.get("tax_rate_bp", 0)) for payload in products}
    basis = stores[0].get("prices_include_tax", True) if stores else None
    return TillTaxes(rates, basis)


def _latest(session: Session, entity: Entity, ids: list[str], store: str, cursor: int) -> list[dict]:
    if not ids:
        return []
    latest = (select(func.max(ChangeRecord.seq))
              .where(ChangeRecord.entity_type == entity.value, ChangeRecord.entity_id.in_(ids),
                     ChangeRecord.seq <= cursor, visible_to(store))
              .group_by(ChangeRecord.entity_id)).scalar_subquery()
    rows = session.execute(select(ChangeRecord.op, ChangeRecord.payload).where(ChangeRecord.seq.in_(latest))).all()
    return [payload for op, payload in rows if op == Op.UPSERT.value and payload]
