from datetime import timedelta

from promotions.basket import BasketLine
from promotions.catalogue import Targeting
from promotions.rules import MemberPrice
from promotions.windows import Window

from .builders import BERLIN, TUESDAY_NOON, line, member, price, promo

COLA_MEMBER_PRICE = promo("mp-cola", MemberPrice((("cola", 99),)), "Member price")


def test_a_member_pays_the_member_price_and_the_receipt_says_so():
    result = price([line("cola", 129, qty=2)], [COLA_MEMBER_PRICE], member=member())
    priced = result.lines[0]
    assert priced.member_unit_price == 99
    assert priced.discounts[0].label == "Member price"
    assert priced.discounts[0].amount == 60
    assert priced.total == 198


def test_an_anonymous_customer_pays_the_shelf_price():
    result = price([line("cola", 129, qty=2)], [COLA_MEMBER_PRICE])
    assert result.lines[0].member_unit_price is None
    assert result.total == 258


def test_a_gold_tier_price_beats_the_all_members_price_for_gold_only():
    everyone = promo("mp-all", MemberPrice((("coffee", 549),)), "Member price")
    gold = promo(
        "mp-gold",
        MemberPrice((("coffee", 499),)),
        "Gold price",
        targeting=Targeting(tiers=frozenset({"gold"})),
    )
    basket = [line("coffee", 599)]
    assert price(basket, [everyone, gold], member=member(tier="gold")).total == 499
    assert price(basket, [everyone, gold], member=member(tier="silver")).total == 549


def test_a_member_price_above_the_shelf_price_is_ignored():
    dear = promo("mp-dear", MemberPrice((("cola", 149),)))
    result = price([line("cola", 129)], [dear], member=member())
    assert result.total == 129
    assert result.lines[0].discounts == ()


def test_a_member_price_outside_its_window_or_store_does_not_apply():
    expired = promo(
        "mp-old",
        MemberPrice((("cola", 99),)),
        window=Window(TUESDAY_NOON - timedelta(days=7), TUESDAY_NOON),
    )
    elsewhere = promo("mp-hh", MemberPrice((("cola", 89),)), stores=frozenset({"hamburg-2"}))
    result = price([line("cola", 129)], [expired, elsewhere], member=member(), store=BERLIN)
    assert result.total == 129


def test_a_weighed_line_takes_the_member_price_per_kilo_rounded_half_up():
    cheese = BasketLine("1", "gouda", 1990, qty_milli=432, category="deli")
    gouda = promo("mp-gouda", MemberPrice((("gouda", 1790),)))
    result = price([cheese], [gouda], member=member())
    # 19.90 x 0.432 = 8.5968 -> 8.60; 17.90 x 0.432 = 7.7328 -> 7.73
    assert result.lines[0].base_amount == 860
    assert result.lines[0].total == 773
