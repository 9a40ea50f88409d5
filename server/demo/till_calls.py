"""Calls the scripted day makes: to a till's local API and the server's, and what the receipts say."""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from server.demo.runner import Demo


class TillError(RuntimeError):
    """A call answered with an error; ``problem`` is its problem+json body (empty if it had none)."""

    def __init__(self, message: str, problem: dict) -> None:
        super().__init__(message)
        self.problem = problem


def call(method: str, url: str, **kwargs) -> dict:
    response = requests.request(method, url, timeout=10, **kwargs)
    if response.status_code >= 300:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        raise TillError(f"{method} {url}: {response.status_code} {response.text[:300]}",
                        problem if isinstance(problem, dict) else {})
    return response.json()


@dataclass
class Ledger:
    """What the receipts say happened to each member's points today."""

    opening: dict[str, int] = field(default_factory=dict)
    earned: dict[str, int] = field(default_factory=dict)
    redeemed: dict[str, int] = field(default_factory=dict)
    sales: dict[str, int] = field(default_factory=dict)

    def record(self, store: str, member_id: str | None, earned: int, redeemed: int) -> None:
        self.sales[store] = self.sales.get(store, 0) + 1
        if member_id:
            self.earned[member_id] = self.earned.get(member_id, 0) + earned
            self.redeemed[member_id] = self.redeemed.get(member_id, 0) + redeemed

    def expected(self, member_id: str) -> int:
        return self.opening[member_id] + self.earned.get(member_id, 0) - self.redeemed.get(member_id, 0)


def till_post(demo: Demo, store: str, path: str, body: dict | None = None) -> dict:
    """POST to a store's till through its local API, with the till key the demo gave that agent."""
    return call("POST", f"{demo.agent_url(store)}/local/v1{path}", json=body, headers=demo.till_headers(store))
