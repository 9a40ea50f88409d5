"""Partner merchants: keys and scopes, earning at the partner's rate, burning only with the member's
consent code from the member page, settlement sums per period; partners learn nothing else."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.models import PartnerConsentCode
from server.partners.consent import MAX_MISSES
from tests.integration.member_page.pages import join, post_form, sign_in
from tests.support.factories import login, make_staff

KEY = "X-OneCard-Partner-Key"
TERMS = {"points_per_unit": 1, "unit_minor": 100, "issue_price_per_100": 80, "redeem_value_per_100": 100}


@pytest.fixture
def admin(client, services):
    make_staff(services, "root", "admin")
    return login(client, "root")


@pytest.fixture
def cinema(client, admin):
    made = client.post("/api/v1/partners", headers=admin, json={"code": "CINEMA", "name": "Odeon", **TERMS})
    assert made.status_code == 201, made.json
    keys = {}
    for name, scopes in (("earn", ["earn"]), ("burn", ["burn"]), ("both", ["earn", "burn"])):
        issued = client.post("/api/v1/partners/CINEMA/keys", headers=admin, json={"scopes": scopes})
        assert issued.status_code == 201, issued.json
        keys[name] = {KEY: issued.json["key"]}
    return keys


def _earn(client, key, card, amount, reference=None):
    return client.post("/api/v1/partner/earn", headers=key, json={
        "reference": reference or str(uuid.uuid4()), "card_number": card, "amount_minor": amount})


def _burn(client, key, card, points, code, reference=None):
    return client.post("/api/v1/partner/burn", headers=key, json={
        "reference": reference or str(uuid.uuid4()), "card_number": card, "points": points, "consent_code": code})


def _balance(client, desk, member_id) -> int:
    return client.get(f"/api/v1/members/{member_id}/account", headers=desk).json["balance"]


def _consent_code(client) -> str:
    page = post_form(client, "/me/partner-code", "/me/")
    assert page.status_code == 200
    return re.search(r'id="partner-code"[^>]*>(\d{6})<', page.text).group(1)


def test_a_partner_earns_at_its_rate_once_per_reference_and_learns_nothing_else(client, desk, cinema):
    member_id, card = join(client, desk)
    first = _earn(client, cinema["earn"], card, 2599, reference="ticket-1")
    assert first.status_code == 201, first.json
    assert first.json == {"reference": "ticket-1", "kind": "earn", "points": 25, "value_minor": 0}
    assert _earn(client, cinema["earn"], card, 2599, reference="ticket-1").json == first.json  # a retry
    assert _earn(client, cinema["earn"], card, 9999, reference="ticket-1").status_code == 409
    assert _balance(client, desk, member_id) == 25
    own_data = client.get(f"/api/v1/members/{member_id}/export", headers=desk).json
    assert [(t["partner"], t["reference"], t["points"]) for t in own_data["partner_transactions"]] == [
        ("CINEMA", "ticket-1", 25)]


def test_keys_are_scoped_and_checked(client, desk, cinema):
    _, card = join(client, desk)
    assert _earn(client, cinema["burn"], card, 1000).status_code == 403
    assert _burn(client, cinema["earn"], card, 10, "123456").status_code == 403
    forged = {KEY: cinema["both"][KEY][:-2] + "xx"}
    assert _earn(client, forged, card, 1000).status_code == 401
    assert _earn(client, {}, card, 1000).status_code == 401
    assert _earn(client, cinema["both"], card, 1000).status_code == 201


def test_burning_needs_the_members_fresh_code_once(client, desk, mailbox, cinema, clock):
    member_id, card = join(client, desk)
    _earn(client, cinema["earn"], card, 50_000)  # 500 points
    assert _burn(client, cinema["burn"], card, 100, "000000").status_code == 403  # no code shown yet

    sign_in(client, mailbox)
    code = _consent_code(client)
    burned = _burn(client, cinema["burn"], card, 120, code, reference="popcorn-1")
    assert burned.status_code == 201, burned.json
    assert burned.json == {"reference": "popcorn-1", "kind": "burn", "points": 120, "value_minor": 120}
    assert _burn(client, cinema["burn"], card, 120, code, reference="popcorn-1").json == burned.json  # a retry
    assert _burn(client, cinema["burn"], card, 10, code).status_code == 403  # used up
    assert _balance(client, desk, member_id) == 380

    code = _consent_code(client)
    clock.advance(minutes=6)
    assert _burn(client, cinema["burn"], card, 10, code).status_code == 403  # expired


def test_wrong_guesses_kill_the_open_code_and_too_many_points_say_nothing_of_the_balance(
        client, desk, mailbox, cinema, services):
    _, card = join(client, desk)
    _earn(client, cinema["earn"], card, 10_000)  # 100 points
    sign_in(client, mailbox)
    code = _consent_code(client)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(MAX_MISSES):
        assert _burn(client, cinema["burn"], card, 10, wrong).status_code == 403
    assert _burn(client, cinema["burn"], card, 10, code).status_code == 403

    code = _consent_code(client)
    refused = _burn(client, cinema["burn"], card, 101, code)
    assert refused.status_code == 422 and "100" not in refused.text
    with services.db.session() as session:  # the refused burn did not use the code up
        assert session.scalars(select(PartnerConsentCode).where(PartnerConsentCode.used_at.is_not(None))).all() == []


def test_settlement_sums_one_partners_period_and_rounds_once(client, desk, mailbox, cinema, admin, clock):
    _, card = join(client, desk)
    other = client.post("/api/v1/partners", headers=admin, json={"code": "FUEL", "name": "Fuel", **TERMS})
    assert other.status_code == 201
    start = clock()
    _earn(client, cinema["earn"], card, 2599)  # 25 points
    _earn(client, cinema["earn"], card, 13_350)  # 133 points
    sign_in(client, mailbox)
    _burn(client, cinema["burn"], card, 100, _consent_code(client))
    clock.advance(days=1)
    end = clock()
    _earn(client, cinema["earn"], card, 10_000)  # the next period
    admin, desk = login(client, "root"), login(client, "sam")  # a day on: fresh staff tokens

    query = {"start": start.isoformat(), "end": end.isoformat()}
    sums = client.get("/api/v1/partners/CINEMA/settlement", headers=admin, query_string=query)
    assert sums.status_code == 200, sums.json
    assert {k: sums.json[k] for k in ("points_issued", "points_redeemed", "partner_owes_minor", "chain_owes_minor",
                                      "net_to_chain_minor")} == {
        "points_issued": 158, "points_redeemed": 100, "partner_owes_minor": 126,  # 158 x 0.80 / 100, floored once
        "chain_owes_minor": 100, "net_to_chain_minor": 26}
    fuel = client.get("/api/v1/partners/FUEL/settlement", headers=admin, query_string=query).json
    assert (fuel["points_issued"], fuel["points_redeemed"]) == (0, 0)
    assert client.get("/api/v1/partners/CINEMA/settlement", headers=desk, query_string=query).status_code == 403
    later = {"start": end.isoformat(), "end": (end + timedelta(days=1)).isoformat()}
    assert client.get("/api/v1/partners/CINEMA/settlement", headers=admin, query_string=later).json[
        "points_issued"] == 100
