"""The local API: same shapes as the server's where they mean the same, errors as problem+json."""

from __future__ import annotations

import pytest

from tests.integration.agent.conftest import CARD
from tests.support.till_api import local_client


@pytest.fixture
def api(agent):
    return local_client(agent)


def test_a_sale_goes_through_the_local_api_from_basket_to_receipt(api, fake_link):
    fake_link.down = True
    basket = api.post("/local/v1/baskets").json
    api.post(f"/local/v1/baskets/{basket['id']}/items", json={"code": "COFFEE", "qty": 2})
    with_member = api.post(f"/local/v1/baskets/{basket['id']}/member", json={"card_number": CARD}).json
    assert with_member["total"] == 2400 and with_member["mode"] == "offline"
    api.post(f"/local/v1/baskets/{basket['id']}/tenders", json={"kind": "cash", "amount_minor": 5000})
    done = api.post(f"/local/v1/baskets/{basket['id']}/complete").json
    assert (done["change"], done["points"]["to_earn"], done["points"]["pending"]) == (2600, 24, True)
    receipt = api.get(f"/local/v1/receipts/{done['receipt_id']}").json
    assert "Points earned (pending)" in receipt["text"]
    assert api.get("/local/v1/status").json["journal"]["pending"] == 1


def test_a_return_and_a_void_through_the_local_api_answer_with_their_refund_receipts(api):
    basket = api.post("/local/v1/baskets").json
    for code in ("BREAD", "WINE"):
        api.post(f"/local/v1/baskets/{basket['id']}/items", json={"code": code})
    api.post(f"/local/v1/baskets/{basket['id']}/tenders", json={"kind": "cash"})
    sold = api.post(f"/local/v1/baskets/{basket['id']}/complete").json
    returned = api.post(f"/local/v1/transactions/{sold['receipt_id']}/returns", json={"lines": {"2": 1}})
    assert returned.status_code == 201
    lines = [" ".join(line.split()) for line in returned.json["receipt_text"].splitlines()]
    assert "1 x Rioja 0.75l 11.69" in lines and "Cash 11.69" in lines and sold["receipt_id"] in lines
    kept = api.get(f"/local/v1/receipts/{returned.json['receipt_id']}").json
    assert kept["text"] == returned.json["receipt_text"]
    void = api.post(f"/local/v1/transactions/{sold['receipt_id']}/void").json
    lines = [" ".join(line.split()) for line in void["receipt_text"].splitlines()]
    assert "V O I D" in lines and "1 x Sourdough bread 2.49" in lines and "R E F U N D E D E U R 2 . 4 9" in lines


def test_a_line_that_earns_no_points_says_why_in_the_words_of_the_servers_quote(api):
    basket = api.post("/local/v1/baskets").json
    api.post(f"/local/v1/baskets/{basket['id']}/items", json={"code": "BREAD"})
    shown = api.post(f"/local/v1/baskets/{basket['id']}/items", json={"code": "CIGS"}).json
    assert [(line["sku"], line["excluded"], line["excluded_reason"]) for line in shown["lines"]] == [
        ("BREAD", False, None), ("CIGS", True, "tobacco earns no points")]


def test_the_current_basket_is_the_newest_open_one_and_none_once_it_is_done(api):
    opened = api.post("/local/v1/baskets").json
    api.post(f"/local/v1/baskets/{opened['id']}/items", json={"code": "BREAD"})
    current = api.get("/local/v1/baskets/current").json
    assert (current["id"], [line["sku"] for line in current["lines"]]) == (opened["id"], ["BREAD"])
    api.post(f"/local/v1/baskets/{opened['id']}/cancel")
    gone = api.get("/local/v1/baskets/current")
    assert gone.status_code == 404 and gone.json["type"].endswith("/no-open-basket")


def test_an_unknown_barcode_is_a_problem_json_404_with_the_code(api):
    basket = api.post("/local/v1/baskets").json
    response = api.post(f"/local/v1/baskets/{basket['id']}/items", json={"code": "5901234123457"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.json["type"].endswith("/unknown-barcode") and response.json["code"] == "5901234123457"


def test_unknown_fields_are_refused_with_field_messages(api):
    basket = api.post("/local/v1/baskets").json
    response = api.post(f"/local/v1/baskets/{basket['id']}/items", json={"code": "BREAD", "price": 1})
    assert response.status_code == 400 and response.json["errors"] == {"price": ["Unknown field."]}


def test_the_register_page_and_its_script_are_served(api):
    with api.get("/") as page, api.get("/static/register.js") as script:
        assert b"OneCard register" in page.data and script.status_code == 200


def test_the_agent_command_is_registered_with_the_onecard_cli(capsys):
    from server.cli import main

    assert main(["agent", "--help"]) == 0
    assert "--terminal" in capsys.readouterr().out
