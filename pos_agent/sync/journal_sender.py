"""Pushing the journal to the server: in order, in batches, acknowledged item by item.

An item leaves the unsent set only when the server says ``applied`` or ``duplicate``.
``rejected`` items are kept with the reason (shown on the register); ``retry`` items are sent
again on a later round. Until the server offers POST /sync/journal, items are posted one by
one to POST /transactions, whose answers map onto the same statuses. Acknowledged items are
deleted ``retention`` after their acknowledgement (each ``drain`` prunes), so what the server
already holds -- an enrolment's name, phone and e-mail -- does not stay at the till.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pos_agent.exceptions import JournalEndpointMissing
from pos_agent.link.port import PostResult
from pos_agent.store import journal
from pos_agent.store.database import Database
from pos_agent.store.journal import JournalItem, JournalStatus
from store_sync.journal import MAX_BATCH, PROTOCOL_VERSION, ItemStatus

log = logging.getLogger(__name__)

# Rejections of POST /transactions that a later send can cure (the sale it undoes is on its way).
_RETRYABLE_REASONS = frozenset({"original-unknown"})
DEFAULT_RETENTION = timedelta(days=7)


@dataclass(frozen=True)
class Round:
    """What one send round did."""

    sent: int = 0
    acked: int = 0
    retry: int = 0
    rejected: int = 0


class JournalSender:
    """Sends unsent journal items; one ``send_round`` is one batch (raises LinkDown on no answer)."""

    def __init__(self, db: Database, link, store: str, terminal: str, clock: Callable[[], datetime],
                 *, batch_size: int = 50, retention: timedelta = DEFAULT_RETENTION) -> None:
        self.db, self.link, self.store, self.terminal, self.clock = db, link, store, terminal, clock
        self.batch_size = min(batch_size, MAX_BATCH)
        self.retention = retention
        self.batch_endpoint = True

    def send_round(self) -> Round:
        with self.db.reading() as conn:
            items = journal.unsent(conn, self.batch_size)
        if not items:
            return Round()
        results = self._send(items)
        return self._record(items, results)

    def drain(self, max_rounds: int = 100) -> Round:
        """Send until nothing new is acknowledged (retry items wait for the next drain), then prune."""
        total = Round()
        for _ in range(max_rounds):
            done = self.send_round()
            total = Round(*(a + b for a, b in zip(_tuple(total), _tuple(done), strict=True)))
            if done.acked == 0 or done.sent < self.batch_size:
                break
        self.prune()
        return total

    def prune(self) -> int:
        """Delete items acknowledged longer than ``retention`` ago; returns how many."""
        with self.db.transaction() as conn:
            return journal.prune_acked(conn, self.clock() - self.retention)

    def _send(self, items: list[JournalItem]) -> dict[str, dict[str, Any]]:
        if self.batch_endpoint:
            try:
                return {r["id"]: r for r in self.link.send_journal(self._batch(items))}
            except JournalEndpointMissing:
                log.warning("the server has no POST /api/v1/sync/journal; posting transactions one by one")
                self.batch_endpoint = False
        return self._post_each(items)

    def _batch(self, items: list[JournalItem]) -> dict[str, Any]:
        return {"protocol_version": PROTOCOL_VERSION, "store": self.store, "terminal": self.terminal,
                "items": [{"id": i.id, "seq": i.seq, "type": i.type, "body": i.body} for i in items]}

    def _post_each(self, items: list[JournalItem]) -> dict[str, dict[str, Any]]:
        results = {}
        for item in items:  # a LinkDown part-way leaves the rest unsent, in order
            results[item.id] = _as_result(item.id, self.link.post_transaction(item.body))
        return results

    def _record(self, items: list[JournalItem], results: dict[str, dict[str, Any]]) -> Round:
        counts = {"acked": 0, "retry": 0, "rejected": 0}
        now = self.clock()
        with self.db.transaction() as conn:
            for item in items:
                result = results.get(item.id)
                if result is None:  # the server skipped it: send again later
                    journal.note_failure(conn, [item.id], "no answer for this item")
                    continue
                status = _local_status(ItemStatus(result["status"]))
                error = None if status is JournalStatus.ACKED else _error(result)
                journal.mark(conn, item.id, status, error, now)
                counts[status.value] += 1
        for item_id, result in results.items():
            if result["status"] == ItemStatus.REJECTED:
                log.error("journal item %s rejected: %s", item_id, _error(result))
        return Round(len(items), counts["acked"], counts["retry"], counts["rejected"])


def _local_status(status: ItemStatus) -> JournalStatus:
    if status.acknowledged:
        return JournalStatus.ACKED
    return JournalStatus.RETRY if status is ItemStatus.RETRY else JournalStatus.REJECTED


def _error(result: dict[str, Any]) -> str:
    return f"{result.get('reason') or result['status']}: {result.get('detail') or ''}".strip()


def _as_result(item_id: str, posted: PostResult) -> dict[str, Any]:
    body = posted.body
    if posted.status == 201:
        return {"id": item_id, "status": ItemStatus.APPLIED.value, "outcome": body}
    if posted.status == 200:
        return {"id": item_id, "status": ItemStatus.DUPLICATE.value, "outcome": body}
    reason = body.get("reason") or f"http-{posted.status}"
    status = ItemStatus.RETRY if reason in _RETRYABLE_REASONS else ItemStatus.REJECTED
    return {"id": item_id, "status": status.value, "reason": reason, "detail": body.get("detail")}


def _tuple(r: Round) -> tuple[int, int, int, int]:
    return (r.sent, r.acked, r.retry, r.rejected)
