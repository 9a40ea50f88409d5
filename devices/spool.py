"""Receipts that could not print, kept for a reprint from the register.

The agent backs ``ReceiptSpool`` with its database; ``MemorySpool`` serves tests and demos.
A spooled receipt holds the exact ESC/POS bytes, so a reprint is what would have printed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SpooledReceipt:
    receipt_id: str
    payload: bytes
    reason: str
    attempts: int = 1


class ReceiptSpool(Protocol):
    def keep(self, receipt: SpooledReceipt) -> None:
        """Store ``receipt``, replacing one with the same id."""
        ...

    def get(self, receipt_id: str) -> SpooledReceipt | None: ...

    def pending(self) -> list[SpooledReceipt]:
        """Every kept receipt, oldest first."""
        ...

    def discard(self, receipt_id: str) -> None:
        """Forget ``receipt_id`` (printed at last); no error when absent."""
        ...


class MemorySpool:
    """An in-memory ReceiptSpool."""

    def __init__(self) -> None:
        self._receipts: dict[str, SpooledReceipt] = {}
        self._lock = threading.Lock()

    def keep(self, receipt: SpooledReceipt) -> None:
        with self._lock:
            self._receipts[receipt.receipt_id] = receipt

    def get(self, receipt_id: str) -> SpooledReceipt | None:
        with self._lock:
            return self._receipts.get(receipt_id)

    def pending(self) -> list[SpooledReceipt]:
        with self._lock:
            return list(self._receipts.values())

    def discard(self, receipt_id: str) -> None:
        with self._lock:
            self._receipts.pop(receipt_id, None)
