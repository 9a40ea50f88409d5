"""Pending points: what tills reported for a member that the server has received but not yet posted.

The server can only know of a sale once a till has sent it. A sale still in an offline till's
journal is unknown here, and its points show nowhere until the link returns. What the server does
know is a journal sale it could not post yet and has told the till to send again (``retry``: a
return whose sale has not arrived, a passing server error), kept in ``journal_rejections``
until it applies. Its points are the till's own figures, which the server has not checked yet.
A sale refused for good (a rule broken) is not pending: it waits on HQ's reconciliation, not on time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.transactions import TransactionKind
from server.models import Card, JournalRejection
from store_sync.journal import ItemType


@dataclass(frozen=True)
class PendingPoints:
    sales: int  # journal sales waiting for a retry
    earned: int  # the tills' figures, not yet checked
    spent: int


def pending_points(session: Session, member_id: uuid.UUID) -> PendingPoints:
    card = JournalRejection.body["card_number"].as_string()
    rows = session.scalars(select(JournalRejection.body).where(
        JournalRejection.item_type == ItemType.TRANSACTION.value,
        JournalRejection.body["kind"].as_string() == TransactionKind.SALE.value, JournalRejection.final.is_(False),
        JournalRejection.resolved_at.is_(None),
        card.in_(select(Card.number).where(Card.member_id == member_id)))).all()
    return PendingPoints(len(rows), sum(body.get("points_earned") or 0 for body in rows),
                         sum(body.get("points_redeemed") or 0 for body in rows))
