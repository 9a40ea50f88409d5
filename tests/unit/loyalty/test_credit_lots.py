"""Credits after everything else only repay debt and form lots: ``credit_lots`` gives what replaying
the whole history gives, without the lots already formed (the kept row's cheap path on the server)."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.entries import Entry, EntryKind
from loyalty.exceptions import InvalidValue
from loyalty.ids import entry_id
from loyalty.ledger import credit_lots, fifo_key, form_lot, replay

from .helpers import earned, redeemed, utc
from .ledger_oracle import rescan_replay
from .test_ledger_replay_cost import ANN, long_histories

LATER = utc(2027, 6, 1)  # after every entry long_histories draws


@st.composite
def later_credits(draw):
    """Earns and staff additions after the history, expiring by the policy, within days, or never:
    a new lot may expire before lots already open."""
    credits = []
    for n in range(draw(st.integers(1, 6))):
        at = LATER + timedelta(hours=draw(st.integers(0, 48)))
        expires = draw(st.sampled_from([None, at + timedelta(days=3), at + timedelta(days=400)]))
        credits.append(Entry(entry_id(f"L-{n}", "adjust"), ANN, EntryKind.ADJUST, draw(st.integers(1, 500)), at,
                             expires, source_id=f"L-{n}"))
    return credits


@settings(max_examples=300, deadline=None)
@given(history=long_histories(), credits=later_credits())
def test_credits_after_a_history_add_what_the_full_replay_adds(history, credits):
    before, full = replay(ANN, history), rescan_replay(ANN, history + credits)
    added = credit_lots(ANN, before.debt, credits)
    assert before.balance + added.points == full.balance
    assert added.debt == full.debt
    assert tuple(sorted(before.open_lots() + added.lots, key=fifo_key)) == full.open_lots()
    assert list(added.lots) == sorted(added.lots, key=fifo_key)


def test_a_credit_repays_the_debt_first_and_forms_a_lot_of_the_rest():
    lot, debt = form_lot(earned(ANN, "S-1", 120, utc(2025, 3, 1)), 50)
    assert (lot.points, lot.remaining, debt) == (70, 70, 0)
    assert form_lot(earned(ANN, "S-2", 30, utc(2025, 3, 2)), 50) == (None, 20)


def test_two_credits_owed_80_repay_it_and_form_one_lot_of_what_is_left():
    added = credit_lots(ANN, 80, [earned(ANN, "S-1", 50, utc(2025, 3, 1)), earned(ANN, "S-2", 60, utc(2025, 3, 2))])
    assert (added.points, added.debt, [lot.remaining for lot in added.lots]) == (110, 0, [30])


def test_a_debit_is_refused_it_takes_from_lots_credit_lots_does_not_see():
    with pytest.raises(InvalidValue):
        credit_lots(ANN, 0, [redeemed(ANN, "S-1", 100, utc(2025, 3, 1))])
