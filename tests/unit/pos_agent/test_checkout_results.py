"""The pure parts of the till's checkout with real numbers: a priced basket's paid and due, what the
views show of a result, the restore rules, and the saved form of a basket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pos_agent.checkout import codec, pricing, recovery, views
from pos_agent.checkout.basket import Basket, Item, MemberAtTill, PointsRedemption, Tender
from pos_agent.checkout.lane import Quote
from pos_agent.checkout.program import Program
from pos_agent.checkout.redeeming import Redeemable
from pos_agent.checkout.selling import Enrolled
from promotions import Catalogue
from tests.integration.agent.catalogue import PROGRAM

AT = datetime(2026, 3, 4, 17, 5, tzinfo=UTC)
STORE = {"code": "B1", "name": "OneCard Market Berlin", "timezone": "Europe/Berlin"}


def _basket(*tenders: Tender, redemption: PointsRedemption | None = None) -> Basket:
    basket = Basket("b-1", AT)
    basket.items = [Item("1", "COFFEE", "Coffee beans 1kg", 1500, "pantry", qty=2),
                    Item("2", "BREAD", "Sourdough bread", 249, "bakery")]
    basket.tenders, basket.redemption = list(tenders), redemption
    basket.member = MemberAtTill("2712345678902", "cache", "m-1", "Ada", "basic", 5000, 5000, AT)
    return basket


def _quote(basket: Basket) -> Quote:
    program = Program.from_payload(PROGRAM)
    priced = pricing.price(basket, Catalogue([]), STORE, program, AT)
    return Quote(basket, priced, program, AT, points_to_earn=32)


def test_paid_counts_tenders_and_points_and_due_never_goes_below_zero():
    quote = _quote(_basket(Tender("card", 1000), redemption=PointsRedemption(500, 500, offline=True)))
    assert (quote.priced.total, quote.paid, quote.due) == (3249, 1500, 1749)
    overpaid = _quote(_basket(Tender("cash", 3249, given_minor=4000)))
    assert (overpaid.paid, overpaid.due) == (3249, 0)


def test_the_view_of_a_basket_shows_change_from_the_cash_handed_over():
    shown = views.quote_view(_quote(_basket(Tender("cash", 3249, given_minor=4000))))
    assert (shown["total"], shown["paid"], shown["due"], shown["change"]) == (3249, 3249, 0, 751)
    assert [(line["sku"], line["qty"], line["total"]) for line in shown["lines"]] == \
        [("COFFEE", 2, 3000), ("BREAD", 1, 249)]
    assert shown["points"]["to_earn"] == 32 and shown["member"]["data_age_seconds"] == 0


def test_a_suspended_basket_is_listed_by_its_first_names_its_items_and_its_total():
    basket = _basket()
    basket.suspended_at = AT
    listed = views.suspended_view(_quote(basket))
    assert listed == {"id": "b-1", "suspended_at": AT.isoformat(), "lines": 2, "items": 3, "total": 3249,
                      "card_number": "2712345678902", "names": ["Coffee beans 1kg", "Sourdough bread"]}


def test_results_without_a_basket_are_shown_as_plain_fields():
    assert views.redeemable_view(Redeemable(1600, 1600, 5000, 500, 100, False, None))["points"] == 1600
    assert views.enrolled_view(Enrolled("m-2", "2712345678919", "Nora")) == \
        {"member_id": "m-2", "card_number": "2712345678919", "name": "Nora", "synced": False}


def test_an_unpaid_basket_untouched_for_long_is_abandoned_but_one_with_money_taken_never_is():
    old = AT - recovery.ABANDONED_AFTER - timedelta(seconds=1)
    assert recovery.abandoned(_basket(), old, AT)
    assert not recovery.abandoned(_basket(), AT - timedelta(minutes=5), AT)
    assert not recovery.abandoned(_basket(Tender("cash", 500, given_minor=500)), old, AT)


def test_an_online_hold_is_kept_only_while_it_surely_outlives_the_sale():
    ttl = timedelta(minutes=15)
    young = PointsRedemption(500, 500, offline=False, hold_id="h", held_at=AT - timedelta(minutes=1))
    old = PointsRedemption(500, 500, offline=False, hold_id="h", held_at=AT - ttl)
    assert not recovery.hold_may_have_lapsed(young, AT, ttl)
    assert recovery.hold_may_have_lapsed(old, AT, ttl)


def test_a_saved_basket_reads_back_equal():
    basket = _basket(Tender("card", 1000), redemption=PointsRedemption(500, 500, offline=False, hold_id="h",
                                                                       held_at=AT))
    assert codec.decode(Basket, codec.encode(basket)) == basket
