"""``may_apply`` is a safe shortcut: when it says a promotion cannot apply, pricing never applies it."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.basket import Member, PresentedCoupon, PricingRequest, Store
from promotions.catalogue import Catalogue, CouponRule, Promotion, Targeting
from promotions.engine import may_apply, price_basket
from promotions.rewards import RewardClaim
from promotions.rules import MemberPrice, PercentOff
from tests.unit.promotions.builders import BERLIN, TUESDAY_NOON, categories, line, promo, skus
from tests.unit.promotions.test_properties import AT, any_rules, lines, offer_heavy_rules

TARGETS = (Targeting(), Targeting(members_only=True), Targeting(tiers=frozenset({"gold"})),
           Targeting(members_only=True, holdout_bp=5_000))
promotions = st.lists(
    st.tuples(st.one_of(any_rules, offer_heavy_rules), st.booleans(), st.sampled_from(TARGETS),
              st.sampled_from((frozenset(), frozenset({"s-1"}), frozenset({"s-2"}))),
              st.booleans()),
    max_size=5,
).map(lambda items: [
    Promotion(f"p{i}", 1, f"offer {i}", rule, exclusive=exclusive, targeting=target, stores=stores,
              coupon=CouponRule(frozenset({f"C{i}"})) if coded and not isinstance(rule, MemberPrice) else None)
    for i, (rule, exclusive, target, stores, coded) in enumerate(items)])
members = st.sampled_from((None, Member("m-1", tier="gold"), Member("m-2", tier="silver"), Member("m-3")))
coupons = st.lists(st.sampled_from(("C0", "C1", "C9")), unique=True, max_size=2)


def given_by(result, promotion_id: str) -> bool:
    return (any(a.promotion_id == promotion_id for a in result.applied)
            or any(d.promotion_id == promotion_id for ln in result.lines for d in ln.discounts)
            or any(b.promotion_id == promotion_id for b in result.bonus))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines, promotions, members, coupons)
def test_a_promotion_it_rules_out_is_never_given(basket, catalogue_promotions, member, codes):
    request = PricingRequest(basket, Store("s-1", "Europe/Berlin"), AT, member=member,
                             coupons=tuple(PresentedCoupon(code) for code in codes))
    catalogue = Catalogue(catalogue_promotions)
    result = price_basket(request, catalogue)
    for promotion in catalogue_promotions:
        if not may_apply(request, catalogue, promotion.promotion_id):
            assert not given_by(result, promotion.promotion_id)


def test_it_rules_out_what_cannot_reach_the_sale_and_keeps_what_can():
    dairy = promo("dairy", PercentOff(1500, categories("dairy")),
                  targeting=Targeting(members_only=True))
    coupon = promo("coupon", PercentOff(1000, skus("milk")),
                   coupon=CouponRule(frozenset({"SAVE"})))
    catalogue = Catalogue([dairy, coupon])
    milk, bread = line("milk", 100, category="dairy"), line("bread", 200, category="bakery")

    def request(*lines, member=None, codes=()):
        return PricingRequest(tuple(lines), BERLIN, TUESDAY_NOON, member=member,
                              coupons=tuple(PresentedCoupon(c) for c in codes))
    assert not may_apply(request(milk), catalogue, "dairy")  # members only, no card
    assert not may_apply(request(bread, member=Member("m-1")), catalogue, "dairy")  # no dairy line
    assert may_apply(request(bread, milk, member=Member("m-1")), catalogue, "dairy")
    assert not may_apply(request(milk), catalogue, "coupon")  # its code not shown
    assert may_apply(request(milk, codes=("SAVE",)), catalogue, "coupon")
    assert not may_apply(request(milk), catalogue, "absent")
    assert not may_apply(PricingRequest((milk,), BERLIN, TUESDAY_NOON, rewards=(RewardClaim("dairy"),)),
                         catalogue, "dairy")
