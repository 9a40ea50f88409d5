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
