"""ONECARD_MEMBER_CACHE=recent: a member's snapshot goes to their home store and the stores they
visited in the last ONECARD_MEMBER_CACHE_DAYS days, and a store that drops out forgets them.

Time moves by weeks here, so staff log in afresh for every call (tokens live 8 hours).
"""

import uuid

import pytest

from server.exceptions import ConfigError
from server.membership.jobs import run_member_cache_review
from server.settings import Settings
from tests.integration.membership.test_member_cache import _members_seen
from tests.support.factories import login, make_terminal
from tests.support.tills import Till, line


@pytest.fixture
def settings_values(settings_values):
    return {**settings_values, "member_cache": "recent", "member_cache_days": "30"}


@pytest.fixture
def other(client, services, clock):
    """A till of store K7 (the member's home store is B2)."""
    return Till(client, make_terminal(services, "K7", "T1"), "K7", "T1", clock)


def _enrol(client, **fields):
    response = client.post("/api/v1/members", json={"name": "Shopper", **fields}, headers=login(client, "sam"))
    assert response.status_code == 201, response.json
    return response.json["id"], response.json["card"]["number"]


def _adjust(client, member_id, points):
    response = client.post(f"/api/v1/members/{member_id}/adjustments", headers=login(client, "sam"),
                           json={"id": f"goodwill-{points}", "points": points, "reason": "goodwill"})
    assert response.status_code == 201, response.json


def test_a_store_caches_a_member_from_their_first_visit_until_the_window_after_the_last(
        client, desk, till, other, clock):
    member_id, card = _enrol(client, home_store="B2")
    assert _members_seen(till) == {member_id: "upsert"}
    assert _members_seen(other) == {}
    assert other.sale([line("1", 1000)], card=card).status_code == 201
    assert _members_seen(other) == {member_id: "upsert"}

    clock.advance(days=20)
    other.sale([line("1", 500)], card=card)  # a second visit: the window restarts from here
    clock.advance(days=20)
    assert run_member_cache_review() == 0
    assert _members_seen(other) == {member_id: "upsert"}

    clock.advance(days=11)  # 31 days after the last visit to K7
    assert run_member_cache_review() == 1
    assert _members_seen(other) == {member_id: "delete"}
    assert _members_seen(till) == {member_id: "upsert"}  # the home store keeps them
    assert run_member_cache_review() == 0  # nothing left to withdraw: safe to run twice


def test_a_change_after_the_window_withdraws_the_member_at_once_without_waiting_for_the_review(
        client, desk, till, other, clock):
    member_id, card = _enrol(client, home_store="B2")
    other.sale([line("1", 1000)], card=card)
    clock.advance(days=31)
    _adjust(client, member_id, 50)  # K7 must not keep a snapshot that no longer follows the member
    assert _members_seen(other) == {member_id: "delete"}
    assert _members_seen(till) == {member_id: "upsert"}


def test_a_member_without_a_home_store_is_cached_only_where_they_shop(client, desk, till, other):
    member_id, card = _enrol(client)
    assert _members_seen(till) == {} and _members_seen(other) == {}
    assert other.sale([line("1", 1000)], card=card).status_code == 201
    assert _members_seen(other) == {member_id: "upsert"}
    assert _members_seen(till) == {}


def test_moving_home_hands_the_member_over_unless_the_old_store_was_visited_recently(
        client, desk, till, other, clock):
    member_id, card = _enrol(client, home_store="B2")
    moved = client.patch(f"/api/v1/members/{member_id}", json={"home_store": "K7"}, headers=login(client, "sam"))
    assert moved.status_code == 200, moved.json
    assert _members_seen(till) == {member_id: "delete"}
    assert _members_seen(other) == {member_id: "upsert"}
    till.sale([line("1", 1000)], card=card)  # shopping at B2 brings them back there
    assert _members_seen(till) == {member_id: "upsert"}


def _journal(shop, cards):
    """A journal batch of one offline sale per card at ``shop``."""
    items = []
    for n, card in enumerate(cards, start=1):
        sale_id = str(uuid.uuid4())
        items.append({"id": sale_id, "seq": n, "type": "transaction", "body": {
            "id": sale_id, "kind": "sale", "store": shop.store, "terminal": shop.terminal, "offline": True,
            "at": shop.clock().isoformat(), "card_number": card, "lines": [line("1", 700)],
            "tenders": [{"kind": "cash", "amount_minor": 700}]}})
    response = shop.request("POST", "/api/v1/sync/journal",
                            {"protocol_version": 1, "store": shop.store, "terminal": shop.terminal, "items": items})
    assert [r["status"] for r in response.json["results"]] == ["applied"] * len(cards), response.json


def test_a_journal_batch_scopes_each_of_its_members_as_a_sale_of_its_own_would(client, desk, till, other, clock):
    """A batch reads its members' visits and held snapshots together; each member still gets their own
    scope: one whose visit to K7 aged out is withdrawn there, one at home in K7 is kept there, and
    both are kept at B2, where the batch's sales were made."""
    wanderer, wanderer_card = _enrol(client, home_store="B2")
    local, local_card = _enrol(client, home_store="K7")
    other.sale([line("1", 1000)], card=wanderer_card)
    clock.advance(days=31)
    _journal(till, [wanderer_card, local_card, wanderer_card])
    assert _members_seen(other) == {wanderer: "delete", local: "upsert"}
    assert _members_seen(till) == {wanderer: "upsert", local: "upsert"}


def test_an_unknown_cache_setting_or_a_window_that_is_not_a_positive_number_stops_the_server(settings_values):
    with pytest.raises(ConfigError, match="ONECARD_MEMBER_CACHE: use 'all', 'home' or 'recent'"):
        Settings.from_values({**settings_values, "member_cache": "sometimes"})
    with pytest.raises(ConfigError, match="ONECARD_MEMBER_CACHE_DAYS"):
        Settings.from_values({**settings_values, "member_cache_days": "0"})
