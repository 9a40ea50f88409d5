"""Enrolling a member at the till, online or offline: the till makes the member's id.

The enrolment goes up in the journal (ahead of the member's first sale, so the server knows the
card by the time the sale arrives) and into the till's cache at once, so the new member can shop
and earn (pending) points straight away. The server's own record replaces the local one through
the feed later, because anything the feed sends is newer than the local placeholder (seq 0).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pos_agent.exceptions import CardAlreadyIssued
from pos_agent.ids import new_id
from pos_agent.store import cache, journal
from pos_agent.store.database import Database
from store_sync.entities import Entity
from store_sync.journal import ItemType

LOCAL_SEQ = 0  # below every feed position: the feed's version always wins


def enrol(db: Database, card_number: str, name: str, phone: str | None, email: str | None,
          at: datetime, cashier_id: str | None = None, consents: dict[str, bool] | None = None) -> dict[str, Any]:
    """Record the enrolment (journal + cache) in one local transaction; returns the journal body."""
    member_id = new_id()
    body = {"member_id": member_id, "name": name, "phone": phone, "email": email, "card_number": card_number,
            "consents": dict(consents or {}), "at": at.isoformat()}
    if cashier_id is not None:
        body["cashier_id"] = cashier_id
    with db.transaction() as conn:
        if cache.get(conn, Entity.CARD, card_number) is not None:
            raise CardAlreadyIssued(card_number)
        journal.append(conn, member_id, ItemType.ENROLMENT.value, body, at)
        cache.apply_change(conn, Entity.CARD, card_number, LOCAL_SEQ,
                           {"number": card_number, "member_id": member_id, "state": "active", "chip_uid": None})
        cache.apply_change(conn, Entity.MEMBER, member_id, LOCAL_SEQ,
                           {"id": member_id, "name": name, "tier": "", "home_store": None, "balance": 0,
                            "available": 0, "debt": 0, "taken_at": at.isoformat(), "segments": [],
                            "promotion_uses": []})
    return body
