"""Starting and stopping the demo's processes: the server and one agent per store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests


class DemoProcessError(RuntimeError):
    pass


def onecard(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Run ``onecard ARGS`` as its own process group, output to ``log``."""
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen([sys.executable, "-m", "server.cli", *args], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    process.log_path = log  # where to look when it dies
    return process


def _last_lines(process: subprocess.Popen, count: int = 15) -> str:
    log = getattr(process, "log_path", None)
    if log is None or not Path(log).exists():
        return ""
    lines = Path(log).read_text(errors="replace").splitlines()[-count:]
    return "\n".join([f"last lines of {log}:", *lines])


def wait_until(check: Callable[[], bool], what: str, process: subprocess.Popen | None = None,
               timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise DemoProcessError(f"{what}: the process exited with code {process.returncode}\n"
                                   f"{_last_lines(process)}")
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise DemoProcessError(f"{what}: not ready after {timeout:.0f} s")


def stop(process: subprocess.Popen, timeout: float = 15.0) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)


def base_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONECARD_")}
    env.update(settings)
    return env
