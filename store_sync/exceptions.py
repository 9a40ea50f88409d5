"""Errors of the sync protocol."""

from __future__ import annotations


class SyncError(Exception):
    """Base of every store_sync error."""


class SignatureError(SyncError):
    """A signed request failed verification; ``reason`` is a stable code for logs and audits.

    Reasons: ``missing-headers``, ``malformed``, ``stale``, ``bad-signature``.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class CredentialError(SyncError):
    """A terminal credential string could not be parsed."""


class CursorError(SyncError):
    """A feed cursor could not be read; ``text`` is what was given."""

    def __init__(self, text: str, detail: str) -> None:
        super().__init__(detail)
        self.text = text
        self.detail = detail


class FeedOrderError(SyncError):
    """A feed page does not continue from the reader's cursor; applying it could lose changes.

    Reasons: ``wrong-cursor``, ``out-of-order``, ``cursor-behind``, ``cursor-ahead``.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
