"""How long a till waits between sync rounds: the sync interval while there is news, longer while idle.

A round that received changes or sent journal items is *busy*: more may follow (a publish comes
in several pages, a sale in progress is followed by others), so the next round comes after the
sync interval. Each *idle* round in a row doubles the pause, up to ``cap``: a till at the head
of the feed with nothing to send asks ever less often, so a chain's idle tills cost the server
little. Every pause is spread by ``jitter`` (uniformly within (1 - jitter, 1 + jitter) times
itself), so tills that started together do not keep calling together.

Worked example with the defaults (interval 1 s, cap 8 s, jitter 0.2): after a busy round the
pause is 1 s (0.8-1.2 s); idle rounds then wait 1, 2, 4, 8, 8, ... s, each within +-20%, so a
change published while a till idles reaches it at most 9.6 s later (plus the request's own time).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

IDLE_CAP = 8.0  # seconds: the longest pause of an idle till before jitter


@dataclass
class PollSchedule:
    """The pause before the next sync round, from whether the rounds so far found anything."""

    interval: float = 1.0
    cap: float = IDLE_CAP
    jitter: float = 0.2
    rng: random.Random = field(default_factory=random.Random)
    idle_rounds: int = 0  # idle rounds since the last busy one (or reset)

    def busy(self) -> float:
        """A round that received changes or sent journal items: back to the sync interval."""
        self.reset()
        return self._jittered(self.interval)

    def idle(self) -> float:
        """A round that found nothing: the pause doubles per idle round in a row, up to ``cap``."""
        ceiling = min(max(self.cap, self.interval), self.interval * 2 ** min(self.idle_rounds, 32))
        self.idle_rounds += 1
        return self._jittered(ceiling)

    def reset(self) -> None:
        """Something happened outside the rounds (a sale, the link came back): poll soon again."""
        self.idle_rounds = 0

    def after(self, busy: bool) -> float:
        return self.busy() if busy else self.idle()

    def longest(self) -> float:
        """The longest pause this schedule ever gives (an idle till's, at the top of its jitter)."""
        return max(self.cap, self.interval) * (1 + self.jitter)

    def _jittered(self, pause: float) -> float:
        return pause * self.rng.uniform(1 - self.jitter, 1 + self.jitter)
