"""Login throttling: failed logins counted per (address, username), and more loosely per username.

``pair_failures`` wrong passwords from one address lock that address out of that username for
``window``: a guesser at one address stops there, while the real user, from any other address,
signs in as usual. Guessing spread over many addresses meets the per-username limit instead:
after ``user_failures`` failures in the window the username is slowed to one attempt per
``spacing``, never locked, so nobody can lock the real admin out by failing on purpose.

Failures are rows in ``login_failures`` (the database every server process shares). A throttled
attempt checks no password and records nothing, so it neither counts nor extends a lock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.exceptions import TooManyAttempts
from server.models import LoginFailure

# The per-username limit, as a multiple of the per-address one: loose enough that one address's
# lock never slows the username, tight enough that a spread-out guesser is slowed soon.
USER_LIMIT_FACTOR = 4
SLOWED_SPACING = timedelta(seconds=5)


@dataclass(frozen=True)
class LoginThrottle:
    pair_failures: int
    window: timedelta
    user_failures: int
    spacing: timedelta

    @classmethod
    def from_settings(cls, max_failures: int, lockout_seconds: int) -> LoginThrottle:
        return cls(max_failures, timedelta(seconds=lockout_seconds), USER_LIMIT_FACTOR * max_failures,
                   SLOWED_SPACING)

    def check(self, session: Session, username: str, remote_addr: str | None, now: datetime) -> None:
        """Raise ``TooManyAttempts`` (with the seconds to wait) if this attempt may not be tried now."""
        since = now - self.window
        user_times = sorted(session.scalars(select(LoginFailure.at).where(
            LoginFailure.username == username, LoginFailure.at > since)))
        pair_times = sorted(session.scalars(select(LoginFailure.at).where(
            LoginFailure.username == username, LoginFailure.remote_addr == _addr(remote_addr),
            LoginFailure.at > since)))
        if len(pair_times) >= self.pair_failures:
            # Unlocked once enough of these failures have left the window to be under the limit.
            frees_at = pair_times[len(pair_times) - self.pair_failures] + self.window
            raise TooManyAttempts(f"too many failed logins for {username!r} from this address; "
                                  "try again later", retry_after=_seconds(frees_at - now))
        if len(user_times) >= self.user_failures and now - user_times[-1] < self.spacing:
            wait = _seconds(user_times[-1] + self.spacing - now)
            raise TooManyAttempts(f"many failed logins for {username!r} lately: one attempt per "
                                  f"{int(self.spacing.total_seconds())} s", retry_after=wait)

    def failed(self, session: Session, username: str, remote_addr: str | None, now: datetime) -> None:
        session.add(LoginFailure(username=username, remote_addr=_addr(remote_addr), at=now))
        # Failures that left the window count for nothing: drop them so the table stays small.
        session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                   LoginFailure.at <= now - self.window))

    def succeeded(self, session: Session, username: str, remote_addr: str | None) -> None:
        """Forget this address's failures only: a guesser elsewhere stays counted for the username."""
        session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                   LoginFailure.remote_addr == _addr(remote_addr)))


def _addr(remote_addr: str | None) -> str:
    return remote_addr or "unknown"


def _seconds(delta: timedelta) -> int:
    return max(math.ceil(delta.total_seconds()), 1)
