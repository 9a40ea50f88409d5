"""Keeping what tills report besides sales (store_sync.till_events): idempotent by the event's id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.audit import Actor, write_audit
from server.db import first_write_wins
from server.models import TillEvent
from store_sync.till_events import TillEventKind


def record_event(session: Session, body: dict, raw: dict, store: str, terminal: str,
                 now: datetime) -> tuple[TillEvent, bool]:
    """Keep the event ``body`` (loaded by TillEventBodySchema; ``raw`` as sent); False when kept before.

    Events the audit log should show (refused PINs, lock-outs, approvals, voided baskets, no-sales,
    Z reports) are also written there, once, with the till as the actor. The caller commits.
    """
    kind = TillEventKind(body["kind"])

    def write() -> TillEvent:
        event = TillEvent(id=body["id"], kind=kind.value, store_code=store, terminal_code=terminal, at=body["at"],
                          cashier_id=body["cashier_id"], approver_id=body["approver_id"], body=raw,
                          received_at=now)
        session.add(event)
        session.flush()
        if kind.audited:
            write_audit(session, at=body["at"], actor=Actor.terminal(f"{store}/{terminal}"),
                        action=f"till.{kind.value}", target=str(body["cashier_id"] or "") or None,
                        reason=body["reason"], details=_details(body))
        return event

    return first_write_wins(session, write, lambda: session.get(TillEvent, body["id"]))


def events_query(store: str | None = None, terminal: str | None = None, kind: str | None = None,
                 cashier_id=None, since: datetime | None = None, until: datetime | None = None) -> Select:
    """The events matching every filter given, newest first (``until`` is the first instant left out)."""
    stmt = select(TillEvent).order_by(TillEvent.at.desc(), TillEvent.id.desc())
    for column, value in ((TillEvent.store_code, store), (TillEvent.terminal_code, terminal),
                          (TillEvent.kind, kind), (TillEvent.cashier_id, cashier_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(TillEvent.at >= since)
    if until is not None:
        stmt = stmt.where(TillEvent.at < until)
    return stmt


def _details(body: dict) -> dict:
    found = {"event_id": body["id"]}
    if body["approver_id"] is not None:
        found["approver_id"] = str(body["approver_id"])
    if body["subject"]:
        found["subject"] = body["subject"]
    if body["amount_minor"] is not None:
        found["amount_minor"] = body["amount_minor"]
    if body["figures"] is not None:
        found["difference_minor"] = body["figures"]["difference_minor"]
    return found
