"""Errors of posting a till's transaction, mapped to problem+json by the API."""

from __future__ import annotations

from server.exceptions import OneCardError


class TransactionRejected(OneCardError):
    """The transaction cannot be applied as posted; ``reason`` is a stable code for the till."""

    status = 422
    slug = "transaction-rejected"
    title = "Transaction rejected"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason
