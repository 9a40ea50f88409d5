"""A real SMTP server (aiosmtpd) for the notice tests: keeps every message with the time it arrived,
can refuse an address a number of times (451, try later), and can hold a conversation at an
address's RCPT until the test lets it go (a worker caught mid-batch)."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.integration.member_page.mailbox import _free_port

LINK = re.compile(r"(https?://\S+/me/unsubscribe/\S+)")


@dataclass(frozen=True)
class Arrival:
    at: float  # time.time() when the server accepted it
    message: EmailMessage

    @property
    def to(self) -> str:
        return self.message["To"]


class _Handler:
    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []
        self.refusals: Counter[str] = Counter()
        self.hold_at: str | None = None
        self.hold_nth: int | None = None
        self.rcpts = 0
        self.holding = threading.Event()  # set while a conversation waits at hold_at
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusals[address] > 0:
            self.refusals[address] -= 1
            return "451 Try again later"
        self.rcpts += 1
        if (address == self.hold_at or self.rcpts == self.hold_nth) and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.arrivals.append(Arrival(time.time(), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


class Postbox:
    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = _free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> Postbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self.handler.release.set()
        self._controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def arrivals(self) -> list[Arrival]:
        return list(self.handler.arrivals)

    def count_by_address(self) -> Counter[str]:
        return Counter(a.to for a in self.arrivals)

    def refuse(self, address: str, times: int) -> None:
        self.handler.refusals[address] = times

    def hold(self, address: str) -> None:
        self.handler.hold_at = address

    def hold_conversation(self, n: int) -> None:
        """Hold the n-th conversation (counted by recipients) at its RCPT until ``let_go``."""
        self.handler.hold_nth = n

    def let_go(self) -> None:
        self.handler.release.set()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Arrival]:
        deadline = time.monotonic() + timeout
        while len(self.handler.arrivals) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.handler.arrivals)} messages arrived, not {count}")
            time.sleep(0.02)
        return self.arrivals

    def to(self, address: str) -> list[EmailMessage]:
        return [a.message for a in self.arrivals if a.to == address]
