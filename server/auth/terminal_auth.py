"""Checking a signed terminal request: key, freshness, signature, nonce — in that order.

The nonce is consumed only after the signature verifies, so forged requests cannot burn a real
terminal's nonces; it is committed in its own transaction, so a request that later fails still
cannot be replayed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from server.exceptions import TerminalAuthError
from server.models import Terminal, TerminalNonce
from store_sync.exceptions import SignatureError
from store_sync.signing import (
    check_freshness,
    read_signed_headers,
    verify_signature,
)


@dataclass(frozen=True)
class TerminalIdentity:
    """Who signed the request: plain values, usable after the lookup's session is gone."""

    id: uuid.UUID
    key_id: str
    code: str
    store_id: uuid.UUID
    store_code: str


def path_with_query(environ: dict) -> str:
    """The request target as the client sent it (still percent-encoded), which is what it signed."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~")
    query = environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def authenticate_terminal(sessions: sessionmaker[Session], headers, method: str, target: str,
                          body: bytes, now: datetime, window_seconds: int) -> TerminalIdentity:
    """Return the active terminal that signed this request, or raise ``TerminalAuthError``."""
    try:
        signed = read_signed_headers(headers)
    except SignatureError as exc:
        raise TerminalAuthError(exc.reason, exc.detail) from None
    with sessions() as session:
        terminal = session.scalar(select(Terminal).where(Terminal.key_id == signed.key_id))
        if terminal is None:
            raise TerminalAuthError("unknown-key", "no terminal has this key id")
        if not terminal.active:
            raise TerminalAuthError("revoked", "this terminal's credential has been revoked",
                                    signed.key_id)
        try:
            check_freshness(signed.timestamp, int(now.timestamp()), window_seconds)
            verify_signature(terminal.public_key, signed, method, target, body)
        except SignatureError as exc:
            raise TerminalAuthError(exc.reason, exc.detail, signed.key_id) from None
        identity = TerminalIdentity(terminal.id, terminal.key_id, terminal.code, terminal.store_id,
                                    terminal.store.code)
        session.add(TerminalNonce(key_id=signed.key_id, nonce=signed.nonce, seen_at=now))
        try:
            session.commit()
        except IntegrityError:
            raise TerminalAuthError("replayed", "this request's nonce has been used before",
                                    signed.key_id) from None
        return identity
