"""Replay protection for signed terminal requests: each (key id, nonce) is accepted once.

With Redis, one ``SET NX`` with an expiry per request, shared by every worker and process of the
deployment: no database write to check a signature. Without Redis (the embedded default) the
nonce is a row of ``terminal_nonces``, committed in its own transaction; the primary key refuses a
second use race-free, and a job purges rows older than twice the freshness window.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from redis import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from server.models import TerminalNonce


class ReplayGuard(Protocol):
    def first_use(self, key_id: str, nonce: str, now: datetime) -> bool:
        """Record the nonce; False if it was used before (within the remembered window)."""

    def first_use_and_read(self, key_id: str, nonce: str, now: datetime, key: str | None) -> tuple[bool, bytes | None]:
        """``first_use``, and the Redis value at ``key`` read in the same round trip (None without
        Redis, or when ``key`` is None)."""


class DatabaseNonces:
    """Nonces as rows, for a deployment without Redis."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def first_use(self, key_id: str, nonce: str, now: datetime) -> bool:
        with self._sessions() as session:
            session.add(TerminalNonce(key_id=key_id, nonce=nonce, seen_at=now))
            try:
                session.commit()
            except IntegrityError:
                return False
        return True

    def first_use_and_read(self, key_id: str, nonce: str, now: datetime, key: str | None) -> tuple[bool, bytes | None]:
        return self.first_use(key_id, nonce, now), None


class RedisNonces:
    """Nonces as Redis keys that expire after twice the freshness window (a stale request is
    refused by its timestamp before its nonce is looked at, so nothing older needs remembering)."""

    def __init__(self, redis: Redis, prefix: str, window_seconds: int) -> None:
        self._redis, self._prefix, self._ttl = redis, f"{prefix}:nonce", 2 * window_seconds

    def key(self, key_id: str, nonce: str) -> str:
        return f"{self._prefix}:{key_id}:{nonce}"

    def first_use(self, key_id: str, nonce: str, now: datetime) -> bool:
        return bool(self._redis.set(self.key(key_id, nonce), 1, nx=True, ex=self._ttl))

    def first_use_and_read(self, key_id: str, nonce: str, now: datetime, key: str | None) -> tuple[bool, bytes | None]:
        """One pipeline, so a signed request costs one Redis round trip for the nonce and the
        terminals' generation together."""
        if key is None:
            return self.first_use(key_id, nonce, now), None
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(self.key(key_id, nonce), 1, nx=True, ex=self._ttl)
        pipe.get(key)
        fresh, value = pipe.execute()
        return bool(fresh), value
