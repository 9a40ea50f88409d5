"""Personal offers: a ``clip`` promotion applies only to a member in its audience who clipped it."""

from promotions import in_audience
from promotions.catalogue import Targeting
from promotions.rules import AmountOff

from .builders import line, member, price, promo, skus

OFFER = promo("offer-1", AmountOff(100, skus("beer")), targeting=Targeting(clip=True))


def total(promotion, who) -> int:
    return price([line("beer", 500)], [promotion], member=who).total


def test_a_clipped_offer_applies_and_an_unclipped_one_does_not():
    assert total(OFFER, member(clipped=frozenset({"offer-1"}))) == 400
    assert total(OFFER, member()) == 500
    assert total(OFFER, member(clipped=frozenset({"another"}))) == 500
    assert price([line("beer", 500)], [OFFER]).total == 500  # nobody to clip it: an anonymous sale


def test_clipping_never_widens_the_audience():
    gold_only = promo("gold-1", AmountOff(100, skus("beer")), targeting=Targeting(tiers=frozenset({"gold"}), clip=True))
    clipped = frozenset({"gold-1"})
    assert total(gold_only, member(tier="basic", clipped=clipped)) == 500
    assert total(gold_only, member(tier="gold", clipped=clipped)) == 400
    assert in_audience(gold_only, member(tier="gold")) and not in_audience(gold_only, member(tier="basic"))
