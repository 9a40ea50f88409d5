"""A member's "for you" picks from seeded baskets of known structure (promotions.for_you)."""

from __future__ import annotations

import doctest
from fractions import Fraction

import promotions.for_you as for_you
from promotions.affinity import count_baskets
from promotions.for_you import MemberHistory, Reason, complement_leads, complements, lapsed, picks_for

# The chain: bread goes with butter (30 of bread's 40 baskets); milk is in nearly every basket, so it
# goes with everything by chance alone (lift about 1); crisps and dip go together a little (10 of 60).
CHAIN = count_baskets(
    [{"bread", "butter", "milk"}] * 30 + [{"bread", "milk"}] * 10 + [{"crisps", "dip", "milk"}] * 10
    + [{"crisps", "milk"}] * 50 + [{"milk"}] * 5 + [{"tea"}] * 5)


def _history(before: list[set[str]], recent: list[set[str]]) -> MemberHistory:
    history = MemberHistory()
    for basket in before:
        history.add(basket, recent=False)
    for basket in recent:
        history.add(basket, recent=True)
    return history


def test_the_worked_examples_in_the_docstrings_hold():
    assert doctest.testmod(for_you).failed == 0


def test_a_member_who_buys_bread_but_never_butter_is_offered_butter_because_of_the_bread():
    leads = complement_leads(CHAIN, min_together=5)
    picks = complements(_history([], [{"bread"}, {"bread", "tea"}]), leads)
    assert [(p.sku, p.because, p.score) for p in picks] == [("butter", "bread", Fraction(3, 4))]


def test_milk_in_every_basket_is_nobodys_complement_and_weak_pairs_stay_below_the_confidence_floor():
    leads = complement_leads(CHAIN, min_together=5, min_confidence=Fraction(1, 5))
    assert "milk" not in {other for found in leads.values() for other, _ in found}  # lift below 6/5
    # crisps -> dip is 10 of 60 crisps baskets (1/6, under 1/5); dip -> crisps is 10 of 10
    assert leads["dip"] == [("crisps", Fraction(1))] and "crisps" not in leads


def test_a_member_who_already_buys_both_gets_no_complement():
    leads = complement_leads(CHAIN, min_together=5)
    assert complements(_history([{"bread", "butter"}], [{"bread"}]), leads) == []


def test_a_product_bought_often_before_and_never_lately_is_lapsed_and_a_rare_one_is_not():
    history = _history([{"tea"}] * 4 + [{"dip"}] * 2 + [{"bread"}] * 5, [{"bread"}])
    assert [(p.sku, p.reason) for p in lapsed(history, min_before=3)] == [("tea", Reason.LAPSED)]


def test_picks_put_lapsed_products_first_then_complements_once_each_up_to_the_limit():
    leads = complement_leads(CHAIN, min_together=5)
    history = _history([{"tea"}] * 3 + [{"dip"}] * 3 + [{"bread"}], [{"bread"}])
    picks = picks_for(history, leads, limit=3)
    # crisps goes with dip (all of dip's baskets), butter with bread (3 in 4): the surer first
    assert [(p.sku, p.reason, p.because) for p in picks] == [
        ("dip", Reason.LAPSED, None), ("tea", Reason.LAPSED, None), ("crisps", Reason.COMPLEMENT, "dip")]
    assert [p.sku for p in picks_for(history, leads, limit=5)] == ["dip", "tea", "crisps", "butter"]
