import pytest

from loyalty.adjustments import adjust
from loyalty.commands import AdjustPoints
from loyalty.exceptions import InsufficientPoints, InvalidValue
from loyalty.ledger import Ledger

from .helpers import POLICY, earned, utc


def test_a_goodwill_credit_forms_a_lot_and_records_who_and_why():
    entry = adjust(
        AdjustPoints("ann", "A-1", 250, utc(2024, 5, 4), "damaged parcel", "staff-7"), POLICY
    )
    assert (entry.points, entry.expires_at, entry.reason, entry.actor) == (
        250,
        utc(2025, 6, 1),
        "damaged parcel",
        "staff-7",
    )
    assert Ledger("ann").apply([entry]).state.balance == 250


def test_a_removal_beyond_the_balance_needs_the_debt_flag():
    ledger = Ledger("ann").apply([earned("ann", "T-1", 100, utc(2024, 1, 1))])
    entry = adjust(AdjustPoints("ann", "A-2", -300, utc(2024, 5, 4), "double credit", "staff-7"), POLICY)
    with pytest.raises(InsufficientPoints):
        ledger.apply([entry])
    assert ledger.apply([entry], allow_debt=True).state.debt == 200


def test_an_adjustment_needs_a_reason_and_an_actor():
    with pytest.raises(InvalidValue):
        adjust(AdjustPoints("ann", "A-3", 10, utc(2024, 5, 4), " ", "staff-7"), POLICY)
