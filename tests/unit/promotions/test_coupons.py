import pytest

from promotions.basket import PresentedCoupon
from promotions.catalogue import Catalogue, CouponRule
from promotions.coupons import generate_codes
from promotions.exceptions import CouponNotApplicable, DuplicatePromotion
from promotions.result import CouponRejection
from promotions.rules import AmountOff

from .builders import WHOLE_BASKET, line, member, price, promo, skus

TWO_OFF = promo(
    "welcome",
    AmountOff(200, WHOLE_BASKET),
    "Welcome coupon",
    coupon=CouponRule(frozenset({"WELCOME"}), per_member_limit=1),
)
SINGLE = promo("single", AmountOff(300, WHOLE_BASKET), coupon=CouponRule(frozenset({"X7Q"}), single_use=True))


def reasons(result):
    return [(r.code, r.reason) for r in result.rejected_coupons]


def test_a_presented_coupon_takes_its_discount_and_is_reported_accepted():
    result = price([line("a", 1000)], [TWO_OFF], member=member(), coupons=(PresentedCoupon("WELCOME"),))
    assert result.total == 800
    assert result.accepted_coupons == ("WELCOME",)
    assert result.lines[0].discounts[0].coupon_code == "WELCOME"


def test_without_the_code_the_coupon_offer_does_not_apply():
    assert price([line("a", 1000)], [TWO_OFF], member=member()).total == 1000


def test_an_unknown_code_is_rejected():
    result = price([line("a", 1000)], [TWO_OFF], coupons=(PresentedCoupon("NOPE"),))
    assert reasons(result) == [("NOPE", CouponRejection.UNKNOWN_CODE)]


def test_a_used_single_use_code_is_rejected_with_a_reason():
    used = PresentedCoupon("X7Q", uses_total=1)
    result = price([line("a", 1000)], [SINGLE], coupons=(used,))
    assert result.total == 1000
    assert reasons(result) == [("X7Q", CouponRejection.ALREADY_USED)]
    with pytest.raises(CouponNotApplicable) as raised:
        result.raise_for_rejected_coupons()
    assert (raised.value.code, raised.value.reason) == ("X7Q", "already_used")


def test_a_member_who_used_their_one_welcome_coupon_cannot_use_it_again():
    again = PresentedCoupon("WELCOME", uses_total=5000, uses_by_member=1)
    result = price([line("a", 1000)], [TWO_OFF], member=member(), coupons=(again,))
    assert reasons(result) == [("WELCOME", CouponRejection.MEMBER_LIMIT_REACHED)]


def test_a_per_member_coupon_needs_a_member():
    result = price([line("a", 1000)], [TWO_OFF], coupons=(PresentedCoupon("WELCOME"),))
    assert reasons(result) == [("WELCOME", CouponRejection.MEMBER_REQUIRED)]


def test_a_valid_coupon_for_a_product_not_bought_is_reported_not_applied():
    tea = promo("tea", AmountOff(100, skus("tea")), coupon=CouponRule(frozenset({"TEA"})))
    result = price([line("coffee", 500)], [tea], coupons=(PresentedCoupon("TEA"),))
    assert reasons(result) == [("TEA", CouponRejection.NOT_APPLIED)]


def test_two_codes_of_one_promotion_apply_once():
    batch = promo("batch", AmountOff(100, WHOLE_BASKET), coupon=CouponRule(frozenset({"A", "B"})))
    result = price([line("a", 1000)], [batch], coupons=(PresentedCoupon("B"), PresentedCoupon("A")))
    assert result.total == 900
    assert result.accepted_coupons == ("A",)
    assert reasons(result) == [("B", CouponRejection.DUPLICATE)]


def test_generated_batches_are_distinct_reproducible_and_redeemable():
    codes = generate_codes("SPRING-", "batch-secret", 500)
    assert len(set(codes)) == 500
    assert codes == generate_codes("SPRING-", "batch-secret", 500)
    assert codes != generate_codes("SPRING-", "other-secret", 500)
    batch = promo("spring", AmountOff(100, WHOLE_BASKET), coupon=CouponRule(frozenset(codes), single_use=True))
    result = price([line("a", 1000)], [batch], coupons=(PresentedCoupon(codes[42]),))
    assert result.total == 900


def test_one_code_in_two_promotions_is_refused_when_the_catalogue_is_built():
    other = promo("other", AmountOff(100, WHOLE_BASKET), coupon=CouponRule(frozenset({"X7Q"})))
    with pytest.raises(DuplicatePromotion):
        Catalogue([SINGLE, other])
