"""Reconciliation exceptions, refused journal items, and how far behind each till is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import FeedPosition, JournalRejection, PostedTransaction, ReconciliationException, Store, Terminal
from server.sync import head_seq


def _window(query, column, store_column, store: str | None, since: datetime | None, until: datetime | None):
    if store:
        query = query.where(store_column == store)
    if since:
        query = query.where(column >= since)
    if until:
        query = query.where(column < until)
    return query


def reconciliation(session: Session, store: str | None, since: datetime | None,
                   until: datetime | None) -> dict[str, list[dict]]:
    exceptions = session.execute(_window(
        select(ReconciliationException, PostedTransaction.terminal_code)
        .join(PostedTransaction, PostedTransaction.id == ReconciliationException.transaction_id)
        .order_by(ReconciliationException.created_at),
        ReconciliationException.created_at, ReconciliationException.store_code, store, since, until)).all()
    refused = session.scalars(_window(
        select(JournalRejection).where(JournalRejection.resolved_at.is_(None)).order_by(JournalRejection.last_at),
        JournalRejection.last_at, JournalRejection.store_code, store, since, until)).all()
    return {
        "exceptions": [{"transaction_id": e.transaction_id, "store": e.store_code, "kind": e.kind,
                        "till_value": e.till_value, "server_value": e.server_value, "detail": e.detail,
                        "created_at": e.created_at, "terminal": terminal} for e, terminal in exceptions],
        "rejected_items": [{"item_id": r.item_id, "item_type": r.item_type, "store": r.store_code,
                            "terminal": r.terminal_code, "reason": r.reason, "detail": r.detail,
                            "final": r.final, "attempts": r.attempts, "last_at": r.last_at} for r in refused],
    }


def sync_health(session: Session, store: str | None) -> list[dict]:
    head = head_seq(session)
    waiting = dict(session.execute(select(JournalRejection.terminal_code + "@" + JournalRejection.store_code,
                                          func.count()).where(JournalRejection.resolved_at.is_(None),
                                                              JournalRejection.final.is_(False))
                                   .group_by(JournalRejection.terminal_code, JournalRejection.store_code)).all())
    query = (select(Store.code, Terminal.code, Terminal.last_seen_at, FeedPosition.cursor, FeedPosition.read_at)
             .join(Terminal, Terminal.store_id == Store.id)
             .outerjoin(FeedPosition, FeedPosition.terminal_id == Terminal.id).order_by(Store.code, Terminal.code))
    if store:
        query = query.where(Store.code == store)
    return [{"store": s, "terminal": t, "last_seen_at": seen, "feed_cursor": cursor, "feed_head": head,
             "feed_lag": None if cursor is None else max(head - cursor, 0), "feed_read_at": read_at,
             "journal_waiting": waiting.get(f"{t}@{s}", 0)}
            for s, t, seen, cursor, read_at in session.execute(query)]
