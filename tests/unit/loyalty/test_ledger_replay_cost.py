"""The replay walks the lots once (a heap, first-expiring first), equals the rescan-every-lot replay
it replaced (``ledger_oracle``), and does work in proportion to a member's entries."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.entries import Entry, EntryKind
from loyalty.expiry import expire_due
from loyalty.ids import entry_id
from loyalty.ledger import Ledger, Lot, replay, resume

from .helpers import POLICY, earned, redeemed, utc
from .ledger_oracle import rescan_replay

ANN = "member-ann"
START = utc(2024, 1, 1)


@st.composite
def long_histories(draw):
    """Up to 60 entries: credits expiring by the policy, soon, or never; unaimed debits (some
    offline, into debt); debits aimed at a credit's lot, sometimes for more than it has left (a
    merge transfer after history changed); and the expiry entries a run at some point would write."""
    entries, credits = [], []
    for n in range(draw(st.integers(1, 60))):
        at = START + timedelta(days=draw(st.integers(0, 700)), minutes=draw(st.integers(0, 2)))
        points = draw(st.integers(1, 400))
        shape = draw(st.sampled_from(["earn", "earn", "adjust+", "redeem", "redeem", "adjust-", "aimed"]))
        if shape == "earn":
            entries.append(earned(ANN, f"S-{n}", points, at))
            credits.append(entries[-1])
        elif shape == "adjust+":
            soon = at + timedelta(days=draw(st.integers(1, 90)))
            expires = draw(st.sampled_from([None, soon, POLICY.expires_at(at)]))
            entries.append(Entry(entry_id(f"S-{n}", "adjust"), ANN, EntryKind.ADJUST, points, at, expires,
                                 source_id=f"S-{n}"))
            credits.append(entries[-1])
        elif shape == "redeem":
            entries.append(redeemed(ANN, f"S-{n}", points, at, offline=draw(st.booleans())))
        elif shape == "adjust-":
            entries.append(Entry(entry_id(f"S-{n}", "adjust"), ANN, EntryKind.ADJUST, -points, at, source_id=f"S-{n}"))
        elif credits:
            lot = draw(st.sampled_from(credits))
            entries.append(Entry(entry_id(f"S-{n}", "transfer"), ANN, EntryKind.TRANSFER, -points,
                                 max(at, lot.at), lot_id=lot.id, source_id=f"S-{n}"))
    as_of = START + timedelta(days=draw(st.integers(0, 1100)))
    return entries + expire_due(rescan_replay(ANN, entries), as_of)


@settings(max_examples=300, deadline=None)
@given(entries=long_histories())
def test_the_replay_equals_the_rescan_it_replaced(entries):
    assert replay(ANN, entries) == rescan_replay(ANN, entries)


@settings(max_examples=200, deadline=None)
@given(entries=long_histories(), data=st.data())
def test_resuming_equals_the_rescan_resumed_from_the_same_state(entries, data):
    ordered = Ledger(ANN, tuple(entries)).entries
    cut = data.draw(st.integers(0, len(ordered)))
    before = rescan_replay(ANN, ordered[:cut])
    kept = before.__class__(before.account_id, before.balance, before.debt, before.open_lots(), before.lot_shortfall)
    assert resume(kept, ordered[cut:]) == rescan_replay(ANN, ordered[cut:], start=kept)
    assert resume(before, ordered[cut:]) == rescan_replay(ANN, ordered)


def _busy_member(weeks: int) -> list[Entry]:
    """Two earns a week for ``weeks`` weeks and a redemption every fourth week taking most of what
    the month earned: a member whose history keeps hundreds of exhausted lots behind the open ones."""
    entries = []
    for week in range(weeks):
        at = START + timedelta(days=7 * week)
        entries += [earned(ANN, f"A-{week}", 100, at), earned(ANN, f"B-{week}", 50, at + timedelta(hours=1))]
        if week % 4 == 3:
            entries.append(redeemed(ANN, f"R-{week}", 500, at + timedelta(hours=2)))
    return entries


def _lot_visits(monkeypatch, run) -> int:
    """How many times a replay asked a lot whether it was alive: the rescan asks every lot at every
    unaimed debit, the heap only the lot at its head."""
    visits = 0
    alive_at = Lot.alive_at

    def counted(lot, at):
        nonlocal visits
        visits += 1
        return alive_at(lot, at)

    monkeypatch.setattr(Lot, "alive_at", counted)
    run()
    return visits


def test_a_long_history_is_replayed_in_work_proportional_to_its_entries(monkeypatch):
    for weeks in (250, 1000):  # 562 and 2,250 entries
        entries = _busy_member(weeks)
        new = _lot_visits(monkeypatch, lambda e=entries: replay(ANN, e))
        old = _lot_visits(monkeypatch, lambda e=entries: rescan_replay(ANN, e))
        assert replay(ANN, entries) == rescan_replay(ANN, entries)
        assert new <= 2 * len(entries), (weeks, new)
        # The counter does measure the rescan's growth: entries times lots.
        assert old > 20 * len(entries), (weeks, old)
