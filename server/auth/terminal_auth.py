"""Checking a signed terminal request: key, freshness, signature, nonce — in that order.

The nonce is consumed only after the signature verifies, so forged requests cannot burn a real
terminal's nonces; it is recorded at once (Redis, or its own committed transaction), so a request
that later fails still cannot be replayed.

Terminals are cached per process (``TerminalDirectory``) for ``CACHE_SECONDS``; revoking one
raises a generation counter shared by the server's workers (Redis, or shared memory), and every
worker drops its cache at its next request, so the revoked credential is refused at once. With
Redis, the generation is read in the same round trip as the nonce is recorded (after the
signature verified against the cached key): a request whose generation moved is checked again
against the terminal as it is now before it is let through.
A revocation made by a process that shares neither (the CLI on a deployment without Redis)
takes effect within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import quote

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server.auth.replay import ReplayGuard
from server.exceptions import TerminalAuthError
from server.models import Store, Terminal
from server.shared import SlotMemory
from store_sync.exceptions import SignatureError
from store_sync.signing import (
    SignedHeaders,
    check_freshness,
    read_signed_headers,
    verify_signature,
)

CACHE_SECONDS = 2.0
TERMINALS_CHANGED = "terminals-changed"


@dataclass(frozen=True)
class TerminalIdentity:
    """Who signed the request: plain values, usable after the lookup's session is gone."""

    id: uuid.UUID
    key_id: str
    code: str
    store_id: uuid.UUID
    store_code: str


@dataclass(frozen=True)
class KnownTerminal:
    identity: TerminalIdentity
    public_key: bytes
    active: bool
    loaded_at: float
    generation: int


class Generation(Protocol):
    # The Redis key holding the counter, read beside the nonce (None: not in Redis).
    redis_key: str | None

    def current(self) -> int: ...

    def bump(self) -> None: ...


class RedisGeneration:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self.redis_key = self._key = f"{prefix}:terminals:generation"

    def current(self) -> int:
        return int(self._redis.get(self._key) or 0)

    def bump(self) -> None:
        self._redis.incr(self._key)


class MemoryGeneration:
    redis_key = None

    def __init__(self) -> None:
        self._memory = SlotMemory(1)

    def current(self) -> int:
        with self._memory as slots:
            return slots[0]

    def bump(self) -> None:
        with self._memory as slots:
            slots[0] += 1


class TerminalDirectory:
    """Terminals by key id, read from the database at most once per ``CACHE_SECONDS`` per process."""

    def __init__(self, sessions: sessionmaker[Session], generation: Generation,
                 cache_seconds: float = CACHE_SECONDS) -> None:
        self._sessions, self.generation, self._ttl = sessions, generation, cache_seconds
        self._known: dict[str, KnownTerminal] = {}
        self._lock = threading.Lock()

    def cached(self, key_id: str) -> KnownTerminal | None:
        """The terminal as this process last loaded it, if that was under ``CACHE_SECONDS`` ago,
        whatever the generation now (the caller checks it: ``authenticate_terminal``)."""
        known = self._known.get(key_id)
        return known if known is not None and time.monotonic() - known.loaded_at < self._ttl else None

    def find(self, key_id: str, generation: int | None = None) -> KnownTerminal | None:
        """The terminal, from the cache if it is fresh and of ``generation`` (read if not given)."""
        if generation is None:
            generation = self.generation.current()
        known = self.cached(key_id)
        if known is not None and known.generation == generation:
            return known
        loaded = self._load(key_id, generation)
        with self._lock:
            if loaded is None:
                self._known.pop(key_id, None)
            else:
                self._known[key_id] = loaded
        return loaded

    def _load(self, key_id: str, generation: int) -> KnownTerminal | None:
        with self._sessions() as session:
            row = session.execute(select(Terminal, Store.code).join(Store, Store.id == Terminal.store_id)
                                  .where(Terminal.key_id == key_id)).first()
        if row is None:
            return None
        terminal, store_code = row
        identity = TerminalIdentity(terminal.id, terminal.key_id, terminal.code, terminal.store_id, store_code)
        return KnownTerminal(identity, terminal.public_key, terminal.active, time.monotonic(), generation)


def path_with_query(environ: dict) -> str:
    """The request target as the client sent it (still percent-encoded), which is what it signed."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~")
    query = environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def authenticate_terminal(terminals: TerminalDirectory, nonces: ReplayGuard, headers, method: str,
                          target: str, body: bytes, now: datetime, window_seconds: int) -> TerminalIdentity:
    """Return the active terminal that signed this request, or raise ``TerminalAuthError``."""
    try:
        signed = read_signed_headers(headers)
    except SignatureError as exc:
        raise TerminalAuthError(exc.reason, exc.detail) from None
    terminal = terminals.cached(signed.key_id) or terminals.find(signed.key_id)
    _check(terminal, signed, method, target, body, now, window_seconds)
    fresh, value = nonces.first_use_and_read(signed.key_id, signed.nonce, now, terminals.generation.redis_key)
    generation = int(value or 0) if terminals.generation.redis_key else terminals.generation.current()
    if generation != terminal.generation:  # revoked (or changed) since this process cached it
        latest = terminals.find(signed.key_id, generation)
        if latest != terminal:
            _check(latest, signed, method, target, body, now, window_seconds)
            terminal = latest
    if not fresh:
        raise TerminalAuthError("replayed", "this request's nonce has been used before", signed.key_id)
    return terminal.identity


def _check(terminal: KnownTerminal | None, signed: SignedHeaders, method: str, target: str, body: bytes,
           now: datetime, window_seconds: int) -> None:
    if terminal is None:
        raise TerminalAuthError("unknown-key", "no terminal has this key id")
    if not terminal.active:
        raise TerminalAuthError("revoked", "this terminal's credential has been revoked", signed.key_id)
    try:
        check_freshness(signed.timestamp, int(now.timestamp()), window_seconds)
        verify_signature(terminal.public_key, signed, method, target, body)
    except SignatureError as exc:
        raise TerminalAuthError(exc.reason, exc.detail, signed.key_id) from None
