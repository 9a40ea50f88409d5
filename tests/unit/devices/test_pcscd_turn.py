"""pcscd's machine-wide turn: a waiting test session says who holds it instead of hanging."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from devices.simulators.pcscd_turn import PcscdBusy, holder, take_turn

HOLD = """
import sys, time
from devices.simulators.pcscd_turn import take_turn
lock = take_turn(sys.argv[2], wait_for_demo=0, wait_for_others=0, path=sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[3]))
"""


def _hold(path, role: str, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path), role, str(seconds)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_session_waiting_for_a_running_demo_fails_soon_and_names_it(tmp_path):
    path = tmp_path / "pcscd.lock"
    demo = _hold(path, "demo", 30)
    try:
        started = time.monotonic()
        with pytest.raises(PcscdBusy) as busy:
            take_turn("tests", wait_for_demo=0.5, wait_for_others=60, path=str(path))
        assert time.monotonic() - started < 10
        assert f"a OneCard demo (pid {demo.pid})" in str(busy.value)
        assert holder(str(path)) == f"demo {demo.pid}"  # waiting did not wipe the holder's name
    finally:
        demo.kill()
        demo.wait()
        demo.stdout.close()


def test_the_turn_passes_when_the_other_session_ends(tmp_path):
    path = tmp_path / "pcscd.lock"
    other = _hold(path, "tests", 1.0)
    lock = take_turn("tests", wait_for_demo=0, wait_for_others=30, path=str(path))
    try:
        assert other.wait(timeout=5) == 0
        assert holder(str(path)) == f"tests {os.getpid()}"
    finally:
        lock.close()
        other.stdout.close()
