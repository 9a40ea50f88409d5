"""Running `onecard` as a real process, the way operators and CI do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def onecard_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONECARD_")}
    env["PYTHONPATH"] = str(REPO)
    env.update({f"ONECARD_{k.upper()}": v for k, v in settings.items()})
    return env


def run_onecard(*args: str, env: dict[str, str], input: str | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, input=input,
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)
