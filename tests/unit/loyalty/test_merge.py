import pytest
from hypothesis import given, settings

from loyalty.commands import MergeAccounts
from loyalty.entries import EntryKind
from loyalty.exceptions import MergeNotAllowed
from loyalty.ledger import Ledger, replay
from loyalty.members import Card, MemberProfile, mark_merged
from loyalty.merge import merge_accounts

from .helpers import earned, redeemed, utc
from .test_ledger import entry_sets

ANN = MemberProfile("ann", "Ann Lee", utc(2023, 1, 1))
ANN_TOO = MemberProfile("ann-2", "Ann Lee", utc(2023, 6, 1))
AT = utc(2025, 3, 15)
COMMAND = MergeAccounts("ann", "ann-2", "M-1", AT, "duplicate enrolment", "staff-7")


def test_merging_moves_each_lot_with_its_expiry_expires_what_is_due_and_repoints_cards():
    survivor = Ledger("ann").apply([earned("ann", "T-1", 100, utc(2024, 9, 1))])
    stale = earned("ann-2", "T-2", 70, utc(2024, 1, 20))  # 20 left after T-5; expired 2025-02-01, job not run
    march = earned("ann-2", "T-3", 300, utc(2024, 3, 5))  # expires 2025-04-01
    june = earned("ann-2", "T-4", 250, utc(2024, 6, 5))  # expires 2025-07-01
    merged = Ledger("ann-2").apply([stale, march, june, redeemed("ann-2", "T-5", 50, utc(2024, 4, 1))])
    card = Card("2712345678919", "ann-2")

    plan = merge_accounts(COMMAND, ANN, ANN_TOO, merged.state, [card])

    merged = merged.apply(plan.merged_entries)
    survivor = survivor.apply(plan.survivor_entries)
    assert merged.state.balance == 0
    expired = [e for e in plan.merged_entries if e.kind is EntryKind.EXPIRE]
    assert [(e.lot_id, e.points) for e in expired] == [(stale.id, -20)]
    assert survivor.state.balance == 100 + 300 + 250
    moved = {(lot.expires_at, lot.remaining) for lot in survivor.state.lots if lot.credited_at == AT}
    assert moved == {(utc(2025, 4, 1), 300), (utc(2025, 7, 1), 250)}
    assert plan.event.points_moved == 550
    assert plan.merged_profile.merged_into == "ann"
    assert plan.cards == (Card("2712345678919", "ann"),)


def test_a_merge_posted_twice_changes_nothing_the_second_time():
    merged = Ledger("ann-2").apply([earned("ann-2", "T-3", 300, utc(2024, 3, 5))])
    plan = merge_accounts(COMMAND, ANN, ANN_TOO, merged.state)
    after = merged.apply(plan.merged_entries)
    assert after.apply(merge_accounts(COMMAND, ANN, ANN_TOO, merged.state).merged_entries) is after


def test_debt_moves_to_the_survivor_too():
    merged = Ledger("ann-2").apply(
        [
            earned("ann-2", "T-3", 300, utc(2024, 3, 5)),
            redeemed("ann-2", "T-4", 400, utc(2024, 3, 6), offline=True),
        ],
        allow_debt=True,
    )
    survivor = Ledger("ann").apply([earned("ann", "T-1", 1000, utc(2024, 9, 1))])
    plan = merge_accounts(COMMAND, ANN, ANN_TOO, merged.state)
    assert merged.apply(plan.merged_entries).state.debt == 0
    survivor = survivor.apply(plan.survivor_entries, allow_debt=True)
    assert (survivor.state.balance, survivor.state.debt) == (900, 0)
    assert plan.event.debt_moved == 100


def test_an_account_cannot_merge_into_itself_or_after_being_merged():
    empty = Ledger("ann-2").state
    with pytest.raises(MergeNotAllowed):
        merge_accounts(MergeAccounts("ann", "ann", "M-2", AT, "x", "s"), ANN, ANN, Ledger("ann").state)
    with pytest.raises(MergeNotAllowed):
        merge_accounts(COMMAND, ANN, mark_merged(ANN_TOO, "someone"), empty)
    with pytest.raises(MergeNotAllowed):
        merge_accounts(COMMAND, ANN, ANN_TOO, Ledger("ann").state)


@settings(max_examples=60, deadline=None)
@given(entries=entry_sets())
def test_a_merge_moves_every_point_that_has_not_expired_and_leaves_the_old_account_at_zero(entries):
    merged_id = "member-ann"  # the account entry_sets builds
    command = MergeAccounts("ann", merged_id, "M-9", utc(2026, 6, 1), "duplicate", "staff-7")
    state = replay(merged_id, entries)
    profile = MemberProfile(merged_id, "Ann", utc(2023, 1, 1))
    plan = merge_accounts(command, ANN, profile, state)
    after = replay(merged_id, [*entries, *plan.merged_entries])
    assert (after.balance, after.debt, after.lot_shortfall) == (0, 0, 0)
    expired = -sum(e.points for e in plan.merged_entries if e.kind is EntryKind.EXPIRE)
    survivor = replay("ann", plan.survivor_entries)
    assert survivor.balance == state.balance - expired
