from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.entries import Entry, EntryKind
from loyalty.exceptions import (
    ConflictingEntry,
    ForeignEntry,
    InsufficientPoints,
    InvalidEntry,
    NaiveDatetime,
    NotAnInteger,
)
from loyalty.expiry import expire_due
from loyalty.ids import entry_id
from loyalty.ledger import Ledger, replay

from .helpers import POLICY, earned, redeemed, utc

ANN = "member-ann"


def test_the_balance_is_the_sum_of_the_entries():
    ledger = Ledger(ANN).apply(
        [
            earned(ANN, "T-1", 120, utc(2024, 1, 10)),
            earned(ANN, "T-2", 80, utc(2024, 2, 10)),
            redeemed(ANN, "T-3", 150, utc(2024, 3, 1)),
        ]
    )
    assert ledger.state.balance == 50
    assert ledger.state.available(utc(2024, 3, 2)) == 50


def test_a_redemption_takes_the_first_expiring_lot_first():
    january, february = earned(ANN, "T-1", 120, utc(2024, 1, 10)), earned(ANN, "T-2", 80, utc(2024, 2, 10))
    ledger = Ledger(ANN).apply([february, january, redeemed(ANN, "T-3", 150, utc(2024, 3, 1))])
    remaining = {lot.lot_id: lot.remaining for lot in ledger.state.lots}
    assert remaining == {january.id: 0, february.id: 50}


def test_posting_the_same_sale_twice_changes_nothing():
    sale = earned(ANN, "T-1", 120, utc(2024, 1, 10))
    once = Ledger(ANN).apply([sale])
    assert once.apply([sale]) is once
    assert once.apply([earned(ANN, "T-1", 120, utc(2024, 1, 10))]) is once


def test_the_same_id_with_another_body_is_refused():
    ledger = Ledger(ANN).apply([earned(ANN, "T-1", 120, utc(2024, 1, 10))])
    with pytest.raises(ConflictingEntry):
        ledger.apply([earned(ANN, "T-1", 121, utc(2024, 1, 10))])


def test_an_entry_of_another_account_is_refused():
    with pytest.raises(ForeignEntry):
        Ledger(ANN).apply([earned("member-bob", "T-1", 120, utc(2024, 1, 10))])


def test_online_a_redemption_never_takes_the_balance_below_zero():
    ledger = Ledger(ANN).apply([earned(ANN, "T-1", 120, utc(2024, 1, 10))])
    with pytest.raises(InsufficientPoints) as error:
        ledger.apply([redeemed(ANN, "T-2", 500, utc(2024, 1, 11))])
    assert (error.value.available, error.value.requested) == (120, 500)


def test_a_late_offline_redemption_becomes_debt_that_the_next_earning_repays_first():
    ledger = Ledger(ANN).apply([earned(ANN, "T-1", 120, utc(2024, 1, 10))])
    ledger = ledger.apply([redeemed(ANN, "T-2", 500, utc(2024, 1, 11), offline=True)], allow_debt=True)
    assert (ledger.state.balance, ledger.state.debt) == (-380, 380)
    assert ledger.state.available(utc(2024, 1, 12)) == 0
    ledger = ledger.apply([earned(ANN, "T-3", 400, utc(2024, 2, 1))])
    assert (ledger.state.balance, ledger.state.debt) == (20, 0)
    assert [lot.remaining for lot in ledger.state.open_lots()] == [20]


def test_pending_points_are_shown_apart_and_not_counted_once_applied():
    applied = earned(ANN, "T-1", 120, utc(2024, 1, 10))
    offline = earned(ANN, "T-2", 35, utc(2024, 1, 11))
    ledger = Ledger(ANN).apply([applied])
    summary = ledger.summary(utc(2024, 1, 12), unapplied=[applied, offline])
    assert (summary.balance, summary.available, summary.pending) == (120, 120, 35)
    assert ledger.apply([offline]).summary(utc(2024, 1, 12), [offline]).pending == 0


def test_entries_refuse_floats_naive_times_and_wrong_signs():
    with pytest.raises(NotAnInteger):
        Entry(entry_id("T", "earn"), ANN, EntryKind.EARN, 1.5, utc(2024, 1, 1))
    with pytest.raises(NaiveDatetime):
        Entry(entry_id("T", "earn"), ANN, EntryKind.EARN, 1, utc(2024, 1, 1).replace(tzinfo=None))
    with pytest.raises(InvalidEntry, match="remove points"):
        Entry(entry_id("T", "redeem"), ANN, EntryKind.REDEEM, 10, utc(2024, 1, 1))
    with pytest.raises(InvalidEntry, match="names the lot"):
        Entry(entry_id("T", "expire"), ANN, EntryKind.EXPIRE, -10, utc(2024, 1, 1))
    with pytest.raises(InvalidEntry, match="zero"):
        Entry(entry_id("T", "adjust"), ANN, EntryKind.ADJUST, 0, utc(2024, 1, 1))


# ---- properties -----------------------------------------------------------------------------

START = utc(2024, 1, 1)


@st.composite
def entry_sets(draw):
    """A mixed history of one account: earns, bonuses, redemptions (some offline), adjustments,
    reversals, and the expiry entries an expiry run at some point would have written."""
    entries = []
    for n in range(draw(st.integers(1, 14))):
        at = START + timedelta(days=draw(st.integers(0, 800)), minutes=draw(st.integers(0, 3)))
        kind = draw(st.sampled_from(["earn", "bonus", "redeem", "adjust", "reverse"]))
        points = draw(st.integers(1, 500))
        signs = {"earn": [1], "bonus": [1], "redeem": [-1]}.get(kind, [1, -1])
        sign = draw(st.sampled_from(signs))
        expires = POLICY.expires_at(at) if sign > 0 else None
        entries.append(
            Entry(
                entry_id(f"S-{n}", kind),
                ANN,
                EntryKind(kind),
                sign * points,
                at,
                expires,
                source_id=f"S-{n}",
                offline=kind == "redeem",
            )
        )
    as_of = START + timedelta(days=draw(st.integers(0, 1200)))
    return entries + expire_due(replay(ANN, entries), as_of)


@settings(max_examples=100, deadline=None)
@given(entries=entry_sets(), data=st.data())
def test_any_permutation_with_duplicates_gives_the_same_balance_and_lots(entries, data):
    shuffled = data.draw(st.permutations(entries))
    duplicates = data.draw(st.lists(st.sampled_from(entries), max_size=5))
    assert replay(ANN, shuffled + duplicates) == replay(ANN, entries)


@settings(max_examples=60, deadline=None)
@given(entries=entry_sets(), data=st.data())
def test_applying_entries_one_by_one_in_any_order_gives_the_same_ledger(entries, data):
    order = data.draw(st.permutations(entries + entries[:2]))
    ledger = Ledger(ANN)
    for entry in order:
        ledger = ledger.apply([entry], allow_debt=True)
    assert ledger == Ledger(ANN, tuple(entries))


@settings(max_examples=100, deadline=None)
@given(entries=entry_sets())
def test_the_balance_is_the_sum_of_entries_and_the_lots_less_the_debt(entries):
    state = replay(ANN, entries)
    assert state.balance == sum(e.points for e in {e.id: e for e in entries}.values())
    assert state.balance == sum(lot.remaining for lot in state.lots) - state.debt
    assert state.debt >= 0
    assert all(0 <= lot.remaining <= lot.points for lot in state.lots)
    assert state.lot_shortfall == 0
