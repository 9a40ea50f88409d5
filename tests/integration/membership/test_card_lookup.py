"""The card look-up (one statement, server.membership.card_lookup) gives the figures the member's
account gives (server.membership.accounts, read one after another), in every state a member's
balance can be in."""

import pytest

from tests.integration.membership.conftest import account, place_hold
from tests.support.factories import login
from tests.support.tills import line

FIGURES = ("member_id", "tier", "balance", "available", "held", "debt", "offline_cap_points")


def _looked_up(till, card):
    response = till.request("GET", f"/api/v1/cards/{card}")
    assert response.status_code == 200, response.json
    return response.json


def _same_figures(client, desk, till, member_id, card):
    looked_up = _looked_up(till, card)
    assert looked_up["card"]["number"] == card and looked_up["member"]["id"] == member_id
    kept = account(client, desk, member_id)
    assert {k: looked_up["account"][k] for k in FIGURES} == {k: kept[k] for k in FIGURES}
    return looked_up["account"]


def test_a_new_member_without_a_kept_balance(client, desk, till, enrol):
    member_id, card = enrol()
    assert _same_figures(client, desk, till, member_id, card)["balance"] == 0


def test_a_member_with_points_a_sale_and_a_live_hold(client, desk, till, enrol):
    member_id, card = enrol(points=2000)
    till.sale([line("1", 2500)], card=card)
    place_hold(till, card, 600)
    figures = _same_figures(client, desk, till, member_id, card)
    assert (figures["balance"], figures["held"], figures["available"]) == (2025, 600, 1425)


def test_past_the_first_expiry_before_the_expiry_job_ran(client, desk, till, enrol, clock):
    member_id, card = enrol(points=2000)
    clock.advance(days=400)  # past the adjustment's expiry; no expiry entry written yet
    till.sale([line("1", 1000)], card=card)  # a lot that is still alive
    figures = _same_figures(client, login(client, "sam"), till, member_id, card)  # the desk signs in anew
    assert figures["available"] == 10


@pytest.mark.parametrize("number", ["2700000000000", "not-a-card"])
def test_an_unknown_or_malformed_card_is_refused_and_changes_nothing(till, number):
    response = till.request("GET", f"/api/v1/cards/{number}")
    assert response.status_code in (404, 422) and response.headers["Content-Type"] == "application/problem+json"
