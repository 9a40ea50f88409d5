"""A partner's terms: points on its sales (whole units), what spent points are worth, settlement rounded once."""

import pytest

from loyalty.exceptions import InvalidValue
from loyalty.partners import PartnerTerms, settle

CINEMA = PartnerTerms(points_per_unit=2, unit_minor=100, issue_price_per_100=80, redeem_value_per_100=100)


def test_points_are_earned_on_whole_units_of_the_sale():
    assert CINEMA.points_for(2599) == 50  # 25 whole euros, 2 points each
    assert CINEMA.points_for(99) == 0


def test_settlement_rounds_the_periods_sums_once():
    # Issued one by one, 3 x 33 points at 0.80 per 100 would be 3 x 26 = 78 cents; summed, 79.
    sums = settle(CINEMA, points_issued=99, points_redeemed=250)
    assert (sums.partner_owes, sums.chain_owes, sums.net_to_chain) == (79, 250, -171)


def test_terms_refuse_a_zero_unit_and_negative_prices():
    with pytest.raises(InvalidValue):
        PartnerTerms(1, 0, 80, 100)
    with pytest.raises(InvalidValue):
        PartnerTerms(1, 100, -1, 100)
