"""A small seeded chain for the report tests: two stores in different time zones, members who shop
in one or both, anonymous sales, a return, a redemption, an adjustment and an expiry.

Time moves a lot here, so every staff call logs in afresh (tokens live 8 hours).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from server.membership.jobs import run_points_expiry
from tests.integration.membership.conftest import place_hold
from tests.integration.pricing.conftest import (  # noqa: F401 - the pricing folder's fixtures, shared
    catalogue,
    desk,
    enrol,
    marketer,
    promote,
    quote,
    till,
)
from tests.support.factories import login, make_staff, make_terminal
from tests.support.tills import Till, line


@dataclass
class Chain:
    client: object
    clock: object
    tills: dict[str, Till]
    members: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (member id, card)
    sales: list[str] = field(default_factory=list)

    def staff(self, username: str = "hanna") -> dict[str, str]:
        return login(self.client, username)

    def enrol(self, name: str, home: str, points: int = 0) -> tuple[str, str]:
        service_desk = self.staff("sam")
        member = self.client.post("/api/v1/members", json={"name": name, "home_store": home}, headers=service_desk).json
        if points:
            answer = self.client.post(f"/api/v1/members/{member['id']}/adjustments", headers=service_desk,
                                      json={"id": str(uuid.uuid4()), "points": points, "reason": "welcome"})
            assert answer.status_code == 201, answer.json
        self.members[name] = (member["id"], member["card"]["number"])
        return self.members[name]

    def sell(self, store: str, at: datetime, lines: list[dict], member: str | None = None, **extra) -> str:
        self.clock.now = at
        card = self.members[member][1] if member else None
        answer = self.tills[store].sale(lines, card=card, **extra)
        assert answer.status_code == 201, answer.json
        self.sales.append(answer.json["transaction_id"])
        return answer.json["transaction_id"]


def at(day: str, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


@pytest.fixture
def chain(client, services, clock) -> Chain:
    make_staff(services, "hanna", "hq")
    make_staff(services, "sam", "member_service")
    make_staff(services, "mia", "marketing")
    tills = {"A1": Till(client, make_terminal(services, "A1", "T1", "Europe/Berlin"), "A1", "T1", clock),
             "B2": Till(client, make_terminal(services, "B2", "T1", "America/New_York"), "B2", "T1", clock)}
    seeded = Chain(client, clock, tills)
    clock.now = at("2025-01-10")
    seeded.enrol("Ada", "A1", points=1000)  # a lot expiring at the end of January 2026
    seeded.enrol("Bob", "A1")
    seeded.enrol("Cy", "B2")
    # Ada shops in both stores; 23:30 UTC is already the next day in Berlin, 03:00 UTC still the day
    # before in New York.
    seeded.sell("A1", at("2025-03-03", 23, 30), [line("1", 1200, category="produce"),
                                                  line("2", 800, qty=2, category="dairy")], "Ada")
    seeded.sell("B2", at("2025-03-04", 3), [line("1", 4500, category="produce")], "Ada")
    for week in range(5):  # Bob comes every week, then stops
        seeded.sell("A1", at("2025-03-01") + timedelta(days=7 * week), [line("1", 2000 + 100 * week,
                                                                          category="bakery")], "Bob")
    seeded.sell("B2", at("2025-03-05", 15), [line("1", 3000, category="dairy")], "Cy")
    seeded.sell("A1", at("2025-03-05", 10), [line("1", 999, category="produce")])  # anonymous
    anonymous = seeded.sell("B2", at("2025-03-06", 16), [line("1", 1500, category="bakery"),
                                                         line("2", 500, category="dairy")])
    clock.now = at("2025-03-07", 9)
    assert tills["B2"].undo("return", anonymous, [line("2", 500, category="dairy")]).status_code == 201
    clock.now = at("2025-03-20")  # an online points payment needs the server's hold first
    hold = place_hold(tills["A1"], seeded.members["Ada"][1], 600)
    seeded.sell("A1", at("2025-03-20"), [line("1", 2000, category="produce")], "Ada", hold_id=hold,
                tenders=[{"kind": "points", "amount_minor": 600, "points": 600},
                         {"kind": "cash", "amount_minor": 1400}])
    clock.now = at("2026-02-01", 0, 1)  # the rest of Ada's welcome lot expires
    assert run_points_expiry() > 0
    clock.advance(minutes=5)
    return seeded
