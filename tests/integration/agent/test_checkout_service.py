"""The checkout service over its local store and a fake ServerLink: prices, members, points, completion."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty.cards import CardNumberScheme
from pos_agent.exceptions import (
    CardNotUsable,
    MemberDataTooOld,
    RedemptionRefused,
    TenderError,
    UnknownBarcode,
    UnknownCard,
)
from pos_agent.link.port import CardLookup
from pos_agent.store import journal, sales
from tests.integration.agent.catalogue import WINE_DEAL, card_payload, definition
from tests.integration.agent.conftest import CARD, MEMBER_ID

BREAD, WINE, COFFEE, CIGARETTES = "4006381333931", "4001686301265", "4000417025005", "4002515289693"


def _online_card(link, available=5000, tier="basic"):
    link.cards[CARD] = CardLookup({"number": CARD, "state": "active"}, {"id": MEMBER_ID, "name": "Ada Member"},
                                  {"tier": tier, "available": available, "balance": available,
                                   "as_of": "2026-03-14T09:30:00+00:00"})


def _basket(agent, *codes):
    basket = agent.checkout.open_basket()
    for code in codes:
        basket = agent.checkout.add_item(basket["id"], code)
    return basket


def test_scanned_barcodes_and_typed_skus_add_products_at_shelf_prices_with_every_discount_labelled(agent):
    basket = _basket(agent, BREAD, "WINE")
    assert [ln["name"] for ln in basket["lines"]] == ["Sourdough bread", "Rioja 0.75l"]
    wine = basket["lines"][1]
    assert wine["discounts"] == [{"label": "10% off wine", "amount": 130, "promotion_id": "PROMO-WINE-10",
                                  "promotion_version": 2, "coupon_code": None}]
    assert (basket["subtotal"], basket["total"]) == (249 + 1299, 249 + 1169)


def test_an_unknown_barcode_and_a_bad_check_digit_are_refused_with_the_reason(agent):
    basket = agent.checkout.open_basket()
    with pytest.raises(UnknownBarcode, match="4006381333938: EAN-13 check digit should be 1"):
        agent.checkout.add_item(basket["id"], "4006381333938")
    with pytest.raises(UnknownBarcode, match="no product"):
        agent.checkout.add_item(basket["id"], "5901234123457")


def test_a_weight_embedded_barcode_prices_the_weighed_cheese(agent):
    basket = _basket(agent, "2812345005002")  # 500 g at 19.90/kg
    line = basket["lines"][0]
    assert (line["sku"], line["qty_milli"], line["total"]) == ("CHEESE", 500, 995)


def test_a_member_card_scanned_at_the_item_prompt_attaches_the_member_and_unlocks_the_member_price(
        agent, fake_link):
    _online_card(fake_link)
    basket = _basket(agent, COFFEE, CARD)
    assert basket["member"]["source"] == "server" and basket["member"]["available"] == 5000
    assert basket["lines"][0]["member_unit_price"] == 1200 and basket["total"] == 1200
    assert basket["points"] == {"to_earn": 12, "pending": False, "redeemed": 0, "redeemed_value": 0,
                                "hold_id": None}


def test_an_unknown_card_online_is_refused_and_a_mistyped_number_says_why(agent):
    basket = agent.checkout.open_basket()
    with pytest.raises(UnknownCard, match="no member"):
        agent.checkout.attach_member(basket["id"], CardNumberScheme("27").number_for(999))
    with pytest.raises(UnknownCard, match="wrong check digit"):
        agent.checkout.attach_member(basket["id"], CARD[:-1] + "0")


def test_a_dead_link_turns_the_sale_offline_at_once_and_the_member_comes_from_the_cache(agent, fake_link):
    fake_link.down = True
    basket = _basket(agent, COFFEE, WINE)
    basket = agent.checkout.attach_member(basket["id"], CARD)
    assert basket["mode"] == "offline" and agent.mode.online is False
    assert basket["member"]["source"] == "cache" and basket["member"]["available"] == 5000
    assert basket["total"] == 1200 + 1169 and basket["points"]["pending"] is True


def test_a_card_blocked_in_the_feed_is_refused_offline(agent, fake_link):
    fake_link.publish("card", CARD, "upsert", card_payload(CARD, MEMBER_ID, state="blocked"))
    agent.sync_round()
    fake_link.down = True
    basket = _basket(agent, BREAD)
    with pytest.raises(CardNotUsable, match="blocked"):
        agent.checkout.attach_member(basket["id"], CARD)


def test_offline_redemptions_stay_within_the_allowance_less_what_this_till_redeemed(agent, fake_link):
    fake_link.down = True
    first = _pay_with_points(agent, 1200, WINE, WINE, COFFEE)  # 11.69 x2 + 15.00 = 38.38
    assert first["points"]["redeemed"] == 1200 and first["points"]["pending"] is True
    second = agent.checkout.attach_member(_basket(agent, WINE, WINE, WINE)["id"], CARD)
    with pytest.raises(RedemptionRefused, match="800"):  # 2000 cap - 1200 already redeemed here
        agent.checkout.redeem_points(second["id"], 1000)
    with pytest.raises(RedemptionRefused):
        agent.checkout.redeem_points(second["id"], 900)
    assert agent.checkout.redeem_points(second["id"], 800)["points"]["redeemed_value"] == 800


def test_offline_redemption_is_refused_when_the_member_data_is_older_than_twelve_hours(agent, fake_link, clock):
    fake_link.down = True
    clock.advance(hours=12, minutes=1)
    basket = agent.checkout.attach_member(_basket(agent, WINE, WINE)["id"], CARD)
    with pytest.raises(MemberDataTooOld, match=r"12\.0 h old"):
        agent.checkout.redeem_points(basket["id"], 500)


def test_online_redemption_places_a_hold_and_the_sale_carries_it(agent, fake_link):
    _online_card(fake_link, available=3000)
    done = _pay_with_points(agent, 1000, WINE, WINE)  # 23.38, half is 11.69 -> 1000 points fit
    assert list(fake_link.holds) == [done["points"]["hold_id"]]
    with agent.db.reading() as conn:
        body = journal.unsent(conn, 10)[0].body
    assert body["hold_id"] == done["points"]["hold_id"] and body["offline"] is False
    assert body["tenders"] == [{"kind": "points", "amount_minor": 1000, "points": 1000},
                               {"kind": "cash", "amount_minor": 1338, "points": 0}]
    assert body["points_earned"] == 13  # (23.38 - 10.00 paid with points) x 1 point per 1.00


def test_completing_a_sale_keeps_sale_journal_item_and_receipt_durably_in_one_go(agent, fake_link):
    fake_link.down = True
    basket = agent.checkout.attach_member(_basket(agent, BREAD, CIGARETTES)["id"], CARD)
    agent.checkout.add_tender(basket["id"], "cash", 2000)
    done = agent.checkout.complete(basket["id"])
    assert done["change"] == 2000 - 249 - 850
    assert "Points earned (pending)" in done["receipt_text"]
    assert "Member data as of 2026-03-14 09:30 UTC" in done["receipt_text"]
    with agent.db.reading() as conn:
        item = journal.unsent(conn, 10)[0]
        receipt = sales.get_receipt(conn, done["receipt_id"])
    assert item.id == done["receipt_id"] and item.body["offline"] is True
    assert item.body["points_earned"] == 2  # bread 2.49 earns 2, cigarettes nothing
    assert receipt["sale_id"] == item.id
    assert (agent.db.pragma("journal_mode"), agent.db.pragma("synchronous")) == ("wal", "2")  # 2 = FULL


def test_each_sale_names_the_feed_cursor_of_the_promotions_it_was_priced_with(agent, fake_link):
    fake_link.down = True
    _cash_sale(agent, WINE)  # the feed's 11 changes applied: 10% off wine (version 2), 12.99 -> 11.69
    fake_link.down = False
    fake_link.publish("promotion", "PROMO-WINE-10", "upsert", {**WINE_DEAL, "version": 3, "definition": definition(
        label="25% off wine", rule={"kind": "percent_off", "percent_bp": 2500, "scope": {"categories": ["wine"]}})})
    agent.sync_round()  # change 12; the first sale goes up meanwhile
    fake_link.down = True
    _cash_sale(agent, WINE)  # 12.99 less 25% (3.2475, half up: 3.25)
    with agent.db.reading() as conn:
        items = journal.with_status(conn, journal.JournalStatus.ACKED) + journal.unsent(conn, 10)
    assert [(i.body["feed_cursor"], i.body["lines"][0]["paid_minor"], i.body["lines"][0]["discounts"][0]["version"])
            for i in items] == [(11, 1169, 2), (12, 974, 3)]


def _cash_sale(agent, *codes):
    basket = _basket(agent, *codes)
    agent.checkout.add_tender(basket["id"], "cash")
    return agent.checkout.complete(basket["id"])


def test_a_sale_cannot_complete_until_the_tenders_pay_the_total(agent):
    basket = _basket(agent, BREAD)
    with pytest.raises(TenderError, match=r"2\.49 EUR still to pay: 0\.00 EUR paid of 2\.49 EUR"):
        agent.checkout.complete(basket["id"])
    with pytest.raises(TenderError, match="at most what is due"):
        agent.checkout.add_tender(basket["id"], "card", 300)


def test_a_return_against_an_earlier_receipt_gives_back_the_line_and_takes_back_its_points(agent, fake_link):
    _online_card(fake_link)
    sale = _basket(agent, WINE, COFFEE)
    agent.checkout.attach_member(sale["id"], CARD)
    agent.checkout.add_tender(sale["id"], "card")
    done = agent.checkout.complete(sale["id"])
    refund = agent.returns.return_lines(done["receipt_id"], {"1": 1})
    assert (refund["refund_minor"], refund["points_taken_back"]) == (1169, 11)
    assert refund["transaction"]["original_id"] == done["receipt_id"]


def _pay_with_points(agent, points, *codes):
    basket = _basket(agent, *codes)
    agent.checkout.attach_member(basket["id"], CARD)
    agent.checkout.redeem_points(basket["id"], points)
    agent.checkout.add_tender(basket["id"], "cash")
    return agent.checkout.complete(basket["id"])


def test_a_scheduled_promotion_prices_at_the_till_once_its_window_opens(agent, fake_link, clock):
    opens = clock() + timedelta(hours=1)
    fake_link.publish("promotion", "PROMO-BREAD-SOON", "upsert", {
        "id": "PROMO-BREAD-SOON", "version": 1, "state": "scheduled", "definition": definition(
            label="Bread 0.49 off from the hour", window={"start": opens.isoformat()},
            rule={"kind": "amount_off", "amount_minor": 49, "scope": {"skus": ["BREAD"]}})})
    agent.sync_round()
    assert _basket(agent, BREAD)["total"] == 249  # scheduled, not open yet
    clock.advance(hours=1)
    assert _basket(agent, BREAD)["total"] == 200  # the server prices it from now on, and so does the till


def test_a_hold_older_than_ten_minutes_is_renewed_at_completion_and_the_sale_carries_the_new_one(
        agent, fake_link, clock):
    _online_card(fake_link, available=3000)
    basket = _basket(agent, WINE, WINE)
    agent.checkout.attach_member(basket["id"], CARD)
    old_hold = agent.checkout.redeem_points(basket["id"], 1000)["points"]["hold_id"]
    agent.checkout.add_tender(basket["id"], "cash")
    clock.advance(minutes=11)  # the customer went back for something; the server's hold lasts 15
    done = agent.checkout.complete(basket["id"])
    new_hold = done["points"]["hold_id"]
    assert new_hold != old_hold and list(fake_link.holds) == [new_hold]
    with agent.db.reading() as conn:
        body = journal.unsent(conn, 10)[0].body
    assert body["hold_id"] == new_hold and body["tenders"][0] == {"kind": "points", "amount_minor": 1000,
                                                                  "points": 1000}


def test_a_renewal_the_server_refuses_stops_the_sale_with_the_points_taken_off(agent, fake_link, clock):
    _online_card(fake_link, available=3000)
    basket = _basket(agent, WINE, WINE)
    agent.checkout.attach_member(basket["id"], CARD)
    agent.checkout.redeem_points(basket["id"], 1000)
    agent.checkout.add_tender(basket["id"], "cash")
    clock.advance(minutes=11)
    fake_link.cards[CARD].account["available"] = 500  # spent elsewhere while the hold lapsed
    with pytest.raises(RedemptionRefused, match="only 500 points available"):
        agent.checkout.complete(basket["id"])
    view = agent.checkout.view(basket["id"])
    assert (view["state"], view["points"]["redeemed"], view["due"]) == ("open", 0, 1000)
    assert fake_link.holds == {}
    with agent.db.reading() as conn:
        assert journal.unsent(conn, 10) == []


def test_two_open_baskets_of_one_member_cannot_both_spend_the_offline_allowance(agent, fake_link):
    fake_link.down = True
    first = agent.checkout.attach_member(_basket(agent, WINE, WINE, COFFEE)["id"], CARD)
    agent.checkout.redeem_points(first["id"], 1500)  # not completed yet: the basket is still open
    second = agent.checkout.attach_member(_basket(agent, WINE, WINE, WINE)["id"], CARD)
    with pytest.raises(RedemptionRefused) as refused:
        agent.checkout.redeem_points(second["id"], 1000)
    assert refused.value.extra["available"] == 500  # 2000 cap - 1500 planned in the open basket
    agent.checkout.cancel(first["id"])  # the first customer walked away: the points are free again
    assert agent.checkout.redeem_points(second["id"], 1000)["points"]["redeemed"] == 1000
