"""Enrolling through the local API: the server's contact rules and consents checked at the till, so
an enrolment made offline is not refused later; cards claimed by the register's enrolment form."""

from __future__ import annotations

from loyalty.cards import CardNumberScheme
from pos_agent.link.port import CardLookup
from pos_agent.store import journal
from tests.support.till_api import local_client

NEW_CARD = CardNumberScheme("27").number_for(7001)


def _enrolments(agent):
    with agent.db.reading() as conn:
        return [i.body for status in journal.JournalStatus for i in journal.with_status(conn, status)
                if i.type == "enrolment"]


def test_a_blank_name_a_phone_without_country_code_and_a_bad_email_are_refused_field_by_field(agent):
    api = local_client(agent)
    answer = api.post("/local/v1/members", json={"name": "  ", "card_number": NEW_CARD,
                                                  "phone": "07946 0958", "email": "bea@example"})
    assert answer.status_code == 400
    assert answer.json["errors"] == {"name": ["the member's name is missing"],
                                     "phone": ["phone needs a country code, e.g. +44 20 7946 0958"],
                                     "email": ["e-mail must look like name@example.com"]}
    assert _enrolments(agent) == [] and agent.ref.card(NEW_CARD) is None


def test_consents_and_a_normalised_phone_and_email_go_into_the_journal(agent):
    api = local_client(agent)
    answer = api.post("/local/v1/members", json={"name": " Bea Newcomer ", "card_number": NEW_CARD,
                                                  "phone": "0044 20 7946 0958", "email": "Bea@EXAMPLE.com",
                                                  "consents": {"marketing_sms": True, "profiling": False}})
    assert answer.status_code == 201
    assert answer.json["name"] == "Bea Newcomer"
    [body] = _enrolments(agent)
    assert (body["name"], body["phone"], body["email"]) == ("Bea Newcomer", "+442079460958", "Bea@example.com")
    assert body["consents"] == {"marketing_sms": True, "profiling": False}


def test_a_consent_the_server_does_not_know_is_refused(agent):
    answer = local_client(agent).post("/local/v1/members", json={"name": "Bea", "card_number": NEW_CARD,
                                                                 "consents": {"newsletter": True}})
    assert answer.status_code == 400
    assert _enrolments(agent) == []


def test_online_a_card_the_server_gave_out_since_the_last_sync_is_refused_at_once(agent, fake_link, clock):
    fake_link.cards[NEW_CARD] = CardLookup({"number": NEW_CARD, "state": "active"}, {"id": "m", "name": "Ann"},
                                           {"tier": "basic", "available": 0, "balance": 0,
                                            "as_of": clock().isoformat()})
    assert agent.ref.card(NEW_CARD) is None  # not in the till's feed yet
    answer = local_client(agent).post("/local/v1/members", json={"name": "Bea", "card_number": NEW_CARD})
    assert answer.status_code == 409
    assert answer.json["type"].endswith("/card-already-issued")
    assert _enrolments(agent) == []


def test_a_till_without_devices_answers_the_card_claim_with_no_card(agent):
    api = local_client(agent)
    assert api.post("/local/v1/devices/card-claim", json={"seconds": 5}).json == {"devices": False, "card": None}
    assert api.delete("/local/v1/devices/card-claim").json == {"devices": False, "card": None}
    assert api.post("/local/v1/devices/card-claim", json={"seconds": 600}).status_code == 400
