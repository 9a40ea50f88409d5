"""ONECARD_MEMBER_CACHE=home: a member's snapshot goes to their home store's tills only."""

import pytest

from tests.support.factories import make_terminal
from tests.support.tills import Till


@pytest.fixture
def settings_values(settings_values):
    return {**settings_values, "member_cache": "home"}


def _members_seen(till) -> dict[str, str]:
    """member id -> last op, as a till of the store reads its feed."""
    seen, cursor = {}, "0"
    while True:
        page = till.request("GET", f"/api/v1/sync/changes?cursor={cursor}&limit=200").json
        seen.update({c["entity_id"]: c["op"] for c in page["items"] if c["entity_type"] == "member"})
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return seen


def test_only_the_home_store_caches_a_member_and_a_move_hands_them_over(client, desk, services, clock, till):
    other = Till(client, make_terminal(services, "K7", "T1"), "K7", "T1", clock)
    member = client.post("/api/v1/members", json={"name": "Homebody", "home_store": "B2"}, headers=desk).json
    anywhere = client.post("/api/v1/members", json={"name": "Nomad"}, headers=desk).json
    assert _members_seen(till) == {member["id"]: "upsert", anywhere["id"]: "upsert"}
    assert _members_seen(other) == {anywhere["id"]: "upsert"}  # no home store: every store
    moved = client.patch(f"/api/v1/members/{member['id']}", json={"home_store": "K7"}, headers=desk)
    assert moved.status_code == 200, moved.json
    assert _members_seen(till)[member["id"]] == "delete"
    assert _members_seen(other)[member["id"]] == "upsert"
    # Cards go to every store whatever the setting: a block must reach every till.
    card = till.request("GET", f"/api/v1/cards/{member['card']['number']}")
    assert card.status_code == 200
