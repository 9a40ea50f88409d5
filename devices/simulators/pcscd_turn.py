"""The machine-wide turn for pcscd: one pcscd per machine, shared by demos and test sessions.

Whoever holds the turn writes who it is ("demo 4242", "tests 4343") into the lock file, so someone
waiting can say what it waits for. A demo's turn lasts as long as the demo, so a test session
waits for a demo only briefly and then fails with a message naming it; another test session's
turn ends with that session, so that wait is longer. Neither waits for ever.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from typing import IO

from devices.exceptions import DeviceError

PCSCD_LOCK = os.path.join(tempfile.gettempdir(), "onecard-pcscd.lock")
POLL_SECONDS = 0.2


class PcscdBusy(DeviceError):
    """Another process holds pcscd's turn and did not give it up in time."""

    def __init__(self, holder: str, waited: float) -> None:
        role, _, pid = holder.partition(" ")
        if role == "demo":
            advice = f"a OneCard demo (pid {pid}) is using the machine's pcscd; stop it and run again"
        elif holder:
            advice = f"{role} (pid {pid}) is using the machine's pcscd"
        else:
            advice = "another process is using the machine's pcscd"
        super().__init__(f"waited {waited:.0f} s for pcscd's turn ({PCSCD_LOCK}): {advice}")
        self.holder = holder


def holder(path: str = PCSCD_LOCK) -> str:
    """Who holds the turn, as it wrote itself ("demo 4242"); empty if nobody said."""
    try:
        with open(path) as lock:
            return lock.read().strip()
    except OSError:
        return ""


def take_turn(role: str, *, wait_for_demo: float, wait_for_others: float,
              path: str = PCSCD_LOCK) -> IO[str]:
    """Hold the turn until the returned file is closed; raise PcscdBusy after waiting too long."""
    lock = open(path, "a+")  # noqa: SIM115 - held by the caller; "a+" keeps the holder's name readable
    started = time.monotonic()
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            waited, current = time.monotonic() - started, holder(path)
            limit = wait_for_demo if current.startswith("demo ") else wait_for_others
            if waited >= limit:
                lock.close()
                raise PcscdBusy(current, waited) from None
            time.sleep(POLL_SECONDS)
    with contextlib.suppress(OSError):
        lock.seek(0)
        lock.truncate()
        lock.write(f"{role} {os.getpid()}\n")
        lock.flush()
    return lock
