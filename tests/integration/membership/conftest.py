import uuid

import pytest

from tests.support.factories import login, make_staff, make_terminal
from tests.support.tills import Till


@pytest.fixture
def desk(client, services):
    """Headers of a member-service user."""
    make_staff(services, "sam", "member_service")
    return login(client, "sam")


@pytest.fixture
def till(client, services, clock):
    return Till(client, make_terminal(services, "B2", "T1"), "B2", "T1", clock)


@pytest.fixture
def enrol(client, desk):
    """Enrol a member, optionally giving them points by a staff adjustment; returns (id, card)."""

    def make(name="Ada Lovelace", points=0, **profile):
        response = client.post("/api/v1/members", json={"name": name, **profile}, headers=desk)
        assert response.status_code == 201, response.json
        member_id, card = response.json["id"], response.json["card"]["number"]
        if points:
            adjusted = client.post(f"/api/v1/members/{member_id}/adjustments", headers=desk,
                                   json={"id": str(uuid.uuid4()), "points": points, "reason": "welcome"})
            assert adjusted.status_code == 201, adjusted.json
        return member_id, card

    return make


def account(client, desk, member_id):
    response = client.get(f"/api/v1/members/{member_id}/account", headers=desk)
    assert response.status_code == 200, response.json
    return response.json


def place_hold(till, card: str, points: int) -> str:
    """A points hold placed by ``till`` for the card's member; returns its id."""
    response = till.request("POST", "/api/v1/holds", {"id": str(uuid.uuid4()), "card_number": card,
                                                      "points": points, "store": till.store,
                                                      "terminal": till.terminal})
    assert response.status_code == 201, response.json
    return response.json["id"]
