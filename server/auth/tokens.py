"""Staff bearer tokens: signed (not stored), carrying the user id and role, valid for a set time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from server.exceptions import TokenExpired, Unauthorized

_SALT = "onecard.staff-token.v1"


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    role: str


class _ClockSigner(TimestampSigner):
    """A timestamp signer that reads an injected clock, so expiry is testable without sleeping."""

    def __init__(self, *args, clock: Callable[[], float], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class TokenService:
    def __init__(self, secret_key: str, ttl_seconds: int,
                 clock: Callable[[], float] = time.time) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=_SALT, signer=_ClockSigner,
                                                  signer_kwargs={"clock": clock})
        self.ttl_seconds = ttl_seconds

    def issue(self, user_id: str, role: str, now: datetime) -> tuple[str, datetime]:
        """Return a token and the moment it stops being accepted (``now`` + the lifetime)."""
        token = self._serializer.dumps({"sub": user_id, "role": role})
        return token, now + timedelta(seconds=self.ttl_seconds)

    def read(self, token: str) -> TokenClaims:
        try:
            data = self._serializer.loads(token, max_age=self.ttl_seconds)
        except SignatureExpired:
            raise TokenExpired("the bearer token has expired; log in again") from None
        except BadSignature:
            raise Unauthorized("the bearer token is not valid") from None
        return TokenClaims(user_id=data["sub"], role=data["role"])
