"""The demo: seed a chain, start the server and two stores' tills as separate processes.

Store B reaches the server through a link the demo can cut (``StoreLink``), so the scripted day
can take store B offline and bring it back.
"""

from __future__ import annotations

import random
import secrets
import shutil
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import requests

from server.db import make_engine
from server.dbmigrate import upgrade
from server.demo.console import run_console
from server.demo.link import StoreLink
from server.demo.processes import base_env, onecard, stop, wait_until
from server.demo.seed import SeededChain, seed_chain
from server.services import Services
from server.settings import Settings


@dataclass
class Demo:
    root: Path
    server_port: int
    agent_ports: dict[str, int]
    chain: SeededChain | None = None
    link_b: StoreLink | None = None
    processes: list = field(default_factory=list)
    # Each till's key for its local API, given to the agent by setting as a till's POS front end would be.
    till_keys: dict[str, str] = field(default_factory=dict)

    @property
    def server_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def agent_url(self, store: str) -> str:
        return f"http://127.0.0.1:{self.agent_ports[store]}"

    def till_headers(self, store: str) -> dict[str, str]:
        return {"X-OneCard-Till-Key": self.till_keys[store]}

    def start(self, say) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)  # every demo starts from the same seeded day
        (self.root / "logs").mkdir(parents=True)
        say("seeding the demo chain (stores A and B, products, members, promotions)...")
        self.chain = self._seed()
        server_env = base_env(ONECARD_DATA_DIR=str(self.root / "server"))
        server = onecard(["server", "--port", str(self.server_port), "--workers", "1"], server_env,
                         self.root / "logs" / "server.log")
        self.processes.append(server)
        wait_until(lambda: requests.get(f"{self.server_url}/api/v1/health", timeout=2).ok, "server", server)
        self.link_b = StoreLink(self.server_port)
        for store, upstream in (("A", self.server_port), ("B", self.link_b.port)):
            self._start_agent(store, upstream)

    def _seed(self) -> SeededChain:
        settings = Settings.from_values({"data_dir": str(self.root / "server")})
        engine = make_engine(settings.database_url)
        upgrade(engine)
        engine.dispose()
        services = Services.build(settings)
        try:
            return seed_chain(services, random.Random(20261126))
        finally:
            services.db.dispose()

    def _start_agent(self, store: str, upstream_port: int) -> None:
        self.till_keys[store] = secrets.token_urlsafe(32)
        env = base_env(ONECARD_TERMINAL_CREDENTIAL=str(self.chain.credentials[store]),
                       ONECARD_AGENT_KEY=self.till_keys[store])
        agent = onecard(["agent", "--store", store, "--terminal", "T1",
                         "--server", f"http://127.0.0.1:{upstream_port}", "--port", str(self.agent_ports[store]),
                         "--data-dir", str(self.root / f"till-{store}"), "--simulate-devices"], env,
                        self.root / "logs" / f"till-{store}.log")
        self.processes.append(agent)
        wait_until(lambda: self.status(store).get("data_as_of") is not None, f"till {store}", agent, timeout=120)

    def status(self, store: str) -> dict:
        return requests.get(f"{self.agent_url(store)}/local/v1/status", timeout=2).json()

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop(process)
        if self.link_b is not None:
            self.link_b.close()


def wait_for_interrupt(demo: Demo, say, stdin: TextIO) -> None:
    """Run until Ctrl-C (or SIGTERM); at a terminal, the console also takes commands until ``quit``."""
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    if stdin.isatty():  # started in the background, the demo just runs: end of input is not "quit"
        def console() -> None:
            run_console(stdin, demo.link_b, demo.status, say)
            stopped.set()

        threading.Thread(target=console, daemon=True, name="demo-console").start()
    stopped.wait()
