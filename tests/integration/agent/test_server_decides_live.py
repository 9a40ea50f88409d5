"""Real agents against the real server, online and offline, with the catalogue the server keeps:
the till and the server agree to the cent and the point, a single-use coupon is refused at a
second till while the first holds or has used it, and so is a member's last use of a limited offer."""

from __future__ import annotations

import uuid

import pytest

from pos_agent.exceptions import CouponRefused, OfferRefused
from pos_agent.link.http import HttpServerLink
from pos_agent.store import journal
from server.audit import Actor
from server.models import PostedTransaction
from server.pricing.versions import create_promotion
from tests.integration.agent import catalogue
from tests.integration.agent.live import wait_until
from tests.integration.agent.shop import Shop

WINE, COFFEE, BREAD, CIGARETTES = "4001686301265", "4000417025005", "4006381333931", "4002515289693"


def _acked(agent, count):
    def done():
        with agent.db.reading() as conn:
            return journal.counts(conn)["acked"] == count
    wait_until(done, what=f"{count} journal items acknowledged")


def _basket(agent, card, *codes, coupon=None, points=0):
    basket = agent.checkout.open_basket()["id"]
    for code in codes:
        agent.checkout.add_item(basket, code)
    if card:
        agent.checkout.attach_member(basket, card)
    if coupon:
        agent.checkout.apply_coupon(basket, coupon)
    if points:
        agent.checkout.redeem_points(basket, points)
    agent.checkout.add_tender(basket, "cash")
    return basket


def _posted(shop: Shop, sale_id: str) -> PostedTransaction:
    with shop.server.services.db.session() as session:
        return session.get(PostedTransaction, sale_id)


def _agree(shop: Shop, done: dict, member_id: str) -> None:
    """What the till showed and printed is what the server credited, to the cent and the point."""
    posted = _posted(shop, done["receipt_id"])
    outcome = posted.outcome
    assert outcome["exceptions"] == []
    assert posted.total_minor == done["total"]
    assert (outcome["points_earned"], outcome["points_redeemed"], outcome["points_tender_minor"]) == (
        done["points"]["to_earn"], done["points"]["redeemed"], done["points"]["redeemed_value"])
    assert shop.server.account(member_id).balance == done["new_balance"]


def test_an_online_sale_with_points_a_promotion_and_tobacco_agrees_with_the_server(shop):
    member_id, card = shop.server.enrol(points=3000)
    with shop.till("B1") as till:
        wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
        # wine 12.99 less 10% = 11.69, coffee 15.00, bread 2.49, cigarettes 8.50 (no points): 37.68
        done = till.checkout.complete(_basket(till, card, WINE, COFFEE, BREAD, CIGARETTES, points=1500))
        assert (done["total"], done["points"]["redeemed"], done["points"]["pending"]) == (3768, 1500, False)
        _acked(till, 1)
    _agree(shop, done, member_id)


def test_an_offline_sale_redeeming_within_the_allowance_agrees_with_the_server_once_it_arrives(shop):
    member_id, card = shop.server.enrol(points=3000)
    with shop.till("B1") as till:
        wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
        shop.server.stop()
        wait_until(lambda: not till.mode.online, what="the till noticing")
        done = till.checkout.complete(_basket(till, card, WINE, WINE, COFFEE, CIGARETTES, points=1800))
        assert (done["points"]["redeemed"], done["points"]["pending"]) == (1800, True)
        shop.server.start()
        _acked(till, 1)
    assert _posted(shop, done["receipt_id"]).offline
    _agree(shop, done, member_id)


def test_a_single_use_coupon_used_in_one_store_is_refused_at_a_till_in_another(shop):
    with shop.till("B1") as first, shop.till("C3") as second:
        wait_until(lambda: second.ref.product("WINE") is not None, what="the catalogue at the second till")
        used = first.checkout.complete(_basket(first, None, WINE, coupon=shop.coupon))
        assert used["total"] == 1169 - 200
        attempt = _basket(second, None, WINE, coupon=shop.coupon)
        with pytest.raises(CouponRefused):
            second.checkout.complete(attempt)
        _acked(first, 1)
        assert _posted(shop, used["receipt_id"]).outcome["exceptions"] == []
        shop.server.stop()  # offline, the second till cannot know: the sale goes on, and is flagged
        wait_until(lambda: not second.mode.online, what="the second till noticing")
        later = _basket(second, None, WINE, coupon=shop.coupon)
        offline = second.checkout.complete(later)
        shop.server.start()
        _acked(second, 1)
    assert _posted(shop, offline["receipt_id"]).outcome["exceptions"] == ["coupon-already-used"]


def test_a_members_last_use_of_a_limited_offer_held_at_another_till_stops_the_sale_until_released(shop):
    services = shop.server.services
    with services.db.session() as session:
        offer = create_promotion(session, catalogue.definition(
            label="1.00 off bread, once", usage_limit={"max_uses": 1, "period": "ever"},
            rule={"kind": "amount_off", "amount_minor": 100, "scope": {"skus": ["BREAD"]}}),
            "active", services.clock(), Actor.system("test"), services.program)
        session.commit()
        offer_id = str(offer.id)
    member_id, card = shop.server.enrol(points=0)
    other = HttpServerLink(shop.credentials["C3"], shop.server.url)  # a till in another store, online
    held = other.reserve_coupons({"id": str(uuid.uuid4()), "promotions": [offer_id], "card_number": card,
                                  "store": "C3", "terminal": "T1"})
    with shop.till("B1") as till:
        wait_until(lambda: till.ref.card(card) is not None and till.ref.catalogue_at()[1].get(offer_id),
                   what="the card and the offer in the feed")
        basket = _basket(till, card, BREAD)
        assert till.checkout.view(basket)["total"] == 149  # the till's cache cannot know of the other hold
        with pytest.raises(OfferRefused, match="used or reserved 1"):
            till.checkout.complete(basket)
        other.release_coupons(held["id"])
        done = till.checkout.complete(basket)
        assert done["total"] == 149
        _acked(till, 1)
    _agree(shop, done, member_id)
    assert _posted(shop, done["receipt_id"]).body["coupon_hold_id"] is not None  # it reserved its use first
