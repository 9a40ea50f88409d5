"""The local API's corrections and look-ups for the register: quantities, price check, products by
name, and this till's recent sales with what may still come back of each."""

from __future__ import annotations

import pytest

from pos_agent.web.access import KEY_HEADER
from tests.integration.agent.conftest import CARD
from tests.support.till_api import local_client


@pytest.fixture
def api(agent):
    return local_client(agent)


def _basket(api, *codes):
    basket = api.post("/local/v1/baskets").json["id"]
    for code in codes:
        api.post(f"/local/v1/baskets/{basket}/items", json={"code": code})
    return basket


def test_a_cashier_changes_a_lines_quantity_and_the_total_follows(api):
    basket = _basket(api, "COFFEE", "BREAD")
    changed = api.patch(f"/local/v1/baskets/{basket}/items/1", json={"qty": 3})
    assert changed.status_code == 200
    assert [(line["sku"], line["qty"]) for line in changed.json["lines"]] == [("COFFEE", 3), ("BREAD", 1)]
    assert changed.json["total"] == 3 * 1500 + 249


def test_a_quantity_of_zero_or_of_a_removed_line_is_refused_and_changes_nothing(api):
    basket = _basket(api, "BREAD")
    zero = api.patch(f"/local/v1/baskets/{basket}/items/1", json={"qty": 0})
    assert zero.status_code == 400 and "qty" in zero.json["errors"]
    api.delete(f"/local/v1/baskets/{basket}/items/1")
    gone = api.patch(f"/local/v1/baskets/{basket}/items/1", json={"qty": 2})
    assert gone.status_code == 404 and gone.json["type"].endswith("/line-not-found")
    assert api.get(f"/local/v1/baskets/{basket}").json["lines"] == []


def test_a_weighed_line_keeps_the_weight_of_its_label(api):
    basket = _basket(api, "2812345005002")  # 500 g of cheese at 19.90/kg
    refused = api.patch(f"/local/v1/baskets/{basket}/items/1", json={"qty": 2})
    assert refused.status_code == 409 and "scan the label again" in refused.json["detail"]
    assert api.get(f"/local/v1/baskets/{basket}").json["total"] == 995


def test_a_quantity_change_without_the_till_key_is_refused(agent):
    api = local_client(agent)
    basket = _basket(api, "BREAD")
    del api.environ_base["HTTP_" + KEY_HEADER.upper().replace("-", "_")]
    refused = api.patch(f"/local/v1/baskets/{basket}/items/1", json={"qty": 5})
    assert refused.status_code == 401
    assert agent.checkout.view(basket)["lines"][0]["qty"] == 1


def test_a_product_is_found_by_words_of_its_name_in_any_case_or_by_its_sku(api):
    def skus(query):
        return [p["sku"] for p in api.get("/local/v1/products", query_string={"q": query}).json["products"]]

    assert skus("bread") == ["BREAD"]
    assert skus("RIOJA 0.75") == ["WINE"]
    assert skus("coffee") == ["COFFEE"]  # "Coffee beans 1kg", and its sku
    assert skus("cigs") == ["CIGS"]  # the name says "Cigarettes": the sku matches
    assert skus("bread rioja") == []
    found = api.get("/local/v1/products", query_string={"q": "sourdough"}).json["products"]
    assert found == [{"sku": "BREAD", "name": "Sourdough bread", "unit_price": 249, "barcode": "4006381333931"}]


def test_a_product_search_needs_two_letters(api):
    response = api.get("/local/v1/products", query_string={"q": " b "})
    assert response.status_code == 400 and response.json["errors"] == {"q": ["at least 2 characters"]}


def test_a_price_check_shows_the_member_price_for_the_baskets_member_and_adds_nothing(api):
    anyone = api.get("/local/v1/price-check", query_string={"code": "4000417025005"}).json
    assert (anyone["name"], anyone["unit_price"], anyone["member_unit_price"], anyone["total"]) == (
        "Coffee beans 1kg", 1500, None, 1500)
    basket = _basket(api, CARD)  # a card scanned at the item prompt attaches the member
    member = api.get("/local/v1/price-check", query_string={"code": "COFFEE", "basket": basket}).json
    assert (member["member_unit_price"], member["total"], member["for_member"]) == (1200, 1200, True)
    wine = api.get("/local/v1/price-check", query_string={"code": "WINE"}).json
    assert [(d["label"], d["amount"]) for d in wine["discounts"]] == [("10% off wine", 130)]
    assert wine["total"] == 1169
    assert api.get(f"/local/v1/baskets/{basket}").json["lines"] == []


def test_a_price_check_of_an_unknown_code_or_a_card_is_a_404(api):
    unknown = api.get("/local/v1/price-check", query_string={"code": "5901234123457"})
    assert unknown.status_code == 404 and unknown.json["type"].endswith("/unknown-barcode")
    card = api.get("/local/v1/price-check", query_string={"code": CARD})
    assert card.status_code == 404 and "member card" in card.json["detail"]


def test_recent_sales_list_the_newest_first_and_a_sale_shows_what_may_still_come_back(api):
    sold = []
    for codes in (("BREAD",), ("WINE", "WINE", "BREAD")):
        basket = _basket(api, *codes)
        api.post(f"/local/v1/baskets/{basket}/tenders", json={"kind": "cash"})
        sold.append(api.post(f"/local/v1/baskets/{basket}/complete").json["receipt_id"])
    api.post(f"/local/v1/transactions/{sold[1]}/returns", json={"lines": {"1": 1}})

    recent = api.get("/local/v1/transactions").json["sales"]
    assert [(s["id"], s["total_minor"], s["items"]) for s in recent] == [
        (sold[1], 1169 + 1169 + 249, 3), (sold[0], 249, 1)]  # the return is not a sale to find
    lines = api.get(f"/local/v1/transactions/{sold[1]}").json["returnable"]
    assert [(ln["name"], ln["qty"], ln["returned"], ln["left"]) for ln in lines] == [
        ("Rioja 0.75l", 1, 1, 0), ("Rioja 0.75l", 1, 0, 1), ("Sourdough bread", 1, 0, 1)]


def test_what_a_member_can_redeem_now_is_shown_before_the_cashier_types(api, fake_link):
    basket = _basket(api, "COFFEE", "WINE", CARD)  # 12.00 member price + 11.69 = 23.69
    online = api.get(f"/local/v1/baskets/{basket}/redeemable").json
    assert (online["points"], online["value_minor"], online["limit"], online["offline"]) == (1100, 1100, 5000, False)
    assert (online["minimum_points"], online["step_points"], online["reason"]) == (500, 100, None)
    assert api.get(f"/local/v1/baskets/{basket}").json["points"]["redeemed"] == 0  # nothing held


def test_offline_the_redeemable_points_are_the_offline_allowance_not_the_balance(api, fake_link):
    fake_link.down = True
    basket = _basket(api, *["COFFEE"] * 4, "WINE", "WINE")
    api.post(f"/local/v1/baskets/{basket}/member", json={"card_number": CARD})  # 4 x 12.00 + 2 x 11.69
    offline = api.get(f"/local/v1/baskets/{basket}/redeemable").json
    assert (offline["points"], offline["limit"], offline["offline"]) == (2000, 2000, True)  # balance is 5000


def test_without_a_member_nothing_can_be_redeemed_and_the_reason_says_why(api):
    basket = _basket(api, "COFFEE")
    none = api.get(f"/local/v1/baskets/{basket}/redeemable").json
    assert (none["points"], none["reason"]) == (0, "no member card on the basket")


def test_the_status_names_the_chains_currency(api):
    assert api.get("/local/v1/status").json["currency"] == "EUR"
