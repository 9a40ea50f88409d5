"""Cash, float and count typed as decimal text at the local API, read exactly in the chain's currency."""

from __future__ import annotations

import pytest

from tests.integration.agent.catalogue import PROGRAM
from tests.support.till_api import local_client


def _in(agent, fake_link, currency):
    fake_link.publish("program", "loyalty", "upsert", {**PROGRAM, "currency": currency}, None)
    agent.sync_round()
    return local_client(agent)


def _basket(api, *codes):
    basket = api.post("/local/v1/baskets").json["id"]
    for code in codes:
        api.post(f"/local/v1/baskets/{basket}/items", json={"code": code})
    return basket


def test_the_status_names_the_currency_and_its_exponent(agent, fake_link):
    status = _in(agent, fake_link, "BHD").get("/local/v1/status").json
    assert (status["currency"], status["currency_exponent"]) == ("BHD", 3)


def test_dinars_typed_with_three_decimals_pay_to_the_fils_and_change_is_given(agent, fake_link):
    api = _in(agent, fake_link, "BHD")
    basket = _basket(api, "COFFEE")  # 1.500 BHD
    paid = api.post(f"/local/v1/baskets/{basket}/tenders", json={"kind": "cash", "amount": "1.2"})
    assert paid.status_code == 200 and paid.json["due"] == 300
    paid = api.post(f"/local/v1/baskets/{basket}/tenders", json={"kind": "cash", "amount": "0,305"})
    assert (paid.json["due"], paid.json["change"]) == (0, 5)


@pytest.mark.parametrize(("currency", "typed", "said"), [
    ("BHD", "1.2505", "BHD amounts have at most 3 decimals"),
    ("JPY", "1500.5", "JPY amounts have no decimals"),
    ("EUR", "0.1e2", "type the amount in figures, e.g. 2.50"),
])
def test_an_amount_that_cannot_be_read_exactly_is_refused_and_nothing_is_taken(agent, fake_link, currency, typed,
                                                                                said):
    api = _in(agent, fake_link, currency)
    basket = _basket(api, "COFFEE")
    refused = api.post(f"/local/v1/baskets/{basket}/tenders", json={"kind": "cash", "amount": typed})
    assert refused.status_code == 400
    assert refused.json["errors"] == {"amount": [said]}
    assert said in refused.json["detail"]
    assert api.get(f"/local/v1/baskets/{basket}").json["tenders"] == []


def test_an_amount_given_twice_is_refused(agent, fake_link):
    api = _in(agent, fake_link, "EUR")
    basket = _basket(api, "COFFEE")
    both = {"kind": "cash", "amount": "15", "amount_minor": 1500}
    refused = api.post(f"/local/v1/baskets/{basket}/tenders", json=both)
    assert refused.status_code == 400 and "not both" in refused.json["detail"]


def test_too_little_paid_is_said_in_money(agent, fake_link):
    api = _in(agent, fake_link, "JPY")
    basket = _basket(api, "COFFEE")
    api.post(f"/local/v1/baskets/{basket}/tenders", json={"kind": "card", "amount": "500"})
    refused = api.post(f"/local/v1/baskets/{basket}/complete")
    assert refused.status_code == 422
    assert refused.json["detail"] == "1000 JPY still to pay: 500 JPY paid of 1500 JPY"
