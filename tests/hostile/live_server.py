"""A real `onecard server` (gunicorn, forked workers) on PostgreSQL, for tests that attack it over TCP.

``seed_chain`` fills a migrated database through the same services the CLI uses: a staff user
(with a bearer token minted by the server's own token service, so a test needs no login before
its first request), terminals with their credentials and members with cards. ``LiveServer``
runs ``python -m server.cli server`` on a free port in its own process group and kills the group
when stopped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from server.models import StaffUser
from server.services import Services
from server.settings import Settings
from store_sync.signing import TerminalCredential
from tests.support.factories import PASSWORD, make_staff, make_terminal, seed_member
from tests.support.processes import REPO, onecard_env

SECRET = "hostile-secret-key-that-is-long-enough-for-onecard"
STORE = "S001"
STAFF = "ops-admin"


@dataclass(frozen=True)
class Chain:
    """What a client needs to talk to the seeded server."""

    staff_username: str
    staff_password: str
    bearer: dict[str, str]
    terminals: tuple[TerminalCredential, ...]
    members: tuple[tuple[str, str], ...]  # (name, card number)


def seed_chain(database_url: str, data_dir: Path, terminals: int = 4, members: int = 6) -> Chain:
    settings = Settings.from_values({"data_dir": str(data_dir), "database_url": database_url,
                                     "secret_key": SECRET})
    services = Services.build(settings)
    try:
        make_staff(services, STAFF, "admin")
        credentials = tuple(make_terminal(services, STORE, f"T{n}") for n in range(1, terminals + 1))
        names = [f"Member{chr(ord('A') + n)} Example" for n in range(members)]
        cards = tuple((name, seed_member(services, 1_000 * (n + 1), name)[1]) for n, name in enumerate(names))
        with services.db.session() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.username == STAFF))
            token, _ = services.tokens.issue(str(user.id), user.role, services.clock())
    finally:
        services.db.dispose()
    return Chain(STAFF, PASSWORD, {"Authorization": f"Bearer {token}"}, credentials, cards)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``onecard server`` with the given arguments and settings, its output in ``log_path``."""

    def __init__(self, database_url: str, data_dir: Path, *args: str, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = ["server", "--port", str(self.port), *args]
        self.env = onecard_env(data_dir=str(data_dir), database_url=database_url, secret_key=SECRET, **settings)
        self.log_path = data_dir / "server.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> LiveServer:
        with self.log_path.open("w") as log:
            self.popen = subprocess.Popen([sys.executable, "-m", "server.cli", *self.args], env=self.env,
                                          cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def wait_accepting(self, timeout: float = 60) -> None:
        """Return as soon as the port takes a TCP connection (gunicorn's master binds it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"the server exited with {self.popen.returncode}:\n{self.log()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.01)
        raise AssertionError(f"the server did not listen within {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(30)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # any worker left behind in the group

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
