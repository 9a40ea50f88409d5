"""The kept balance and open lots always equal a full replay of the member's entries."""

import random
import uuid
from datetime import timedelta

from loyalty.entries import Entry, EntryKind
from server.audit import Actor
from server.membership.balances import kept_figures, load_kept
from server.membership.ledger import load_ledger, lock_member, post_entries
from server.membership.members import Enrolment, enrol


def _member(services):
    with services.db.session() as session:
        member, _ = enrol(session, Enrolment(name="Ada Lovelace"), services.program, services.clock(),
                          Actor.system("test"))
        session.commit()
        return member.id


def _random_entry(rng: random.Random, member_id, credits: list[Entry], start) -> Entry:
    # Times wander back and forth, so some entries arrive late and change history.
    at = start + timedelta(hours=rng.randint(0, 24 * 400))
    account, kind = str(member_id), rng.choice(["earn", "earn", "redeem", "adjust", "expire"])
    if kind == "expire" and credits:
        lot = rng.choice(credits)
        return Entry(uuid.uuid4(), account, EntryKind.EXPIRE, -rng.randint(1, lot.points),
                     max(at, lot.at + timedelta(seconds=1)), lot_id=lot.id)
    if kind == "redeem":
        return Entry(uuid.uuid4(), account, EntryKind.REDEEM, -rng.randint(1, 300), at, offline=True)
    if kind == "adjust":
        return Entry(uuid.uuid4(), account, EntryKind.ADJUST, rng.choice([-1, 1]) * rng.randint(1, 200), at)
    return Entry(uuid.uuid4(), account, EntryKind.EARN, rng.randint(1, 400), at,
                 expires_at=at + timedelta(days=rng.choice([30, 365])))


def test_after_random_sales_late_entries_expiries_and_replays_the_kept_figures_match_a_full_replay(services):
    rng, start = random.Random(20261201), services.clock() - timedelta(days=400)
    member_id, credits, posted = _member(services), [], []
    for round_number in range(60):
        batch = [_random_entry(rng, member_id, credits, start) for _ in range(rng.randint(1, 4))]
        if posted and rng.random() < 0.2:
            batch.append(rng.choice(posted))  # a till's retry: the same entry again changes nothing
        credits += [e for e in batch if e.points > 0 and e.kind is EntryKind.EARN]
        posted += batch
        with services.db.session() as session:
            lock_member(session, member_id)
            post_entries(session, load_kept(session, member_id), batch, services.clock(), allow_debt=True)
            session.commit()
        probes = (start, start + timedelta(days=200), start + timedelta(days=500))
        with services.db.session() as session:
            kept, full = load_kept(session, member_id).state, load_ledger(session, member_id).state
            figures = [kept_figures(session, member_id, probe) for probe in probes]
        assert (kept.balance, kept.debt, kept.lot_shortfall, kept.open_lots()) == (
            full.balance, full.debt, full.lot_shortfall, full.open_lots()), f"round {round_number}"
        for probe, seen in zip(probes, figures, strict=True):
            assert kept.available(probe) == full.available(probe)
            # The look-up's figures, read without the lots, are the full replay's.
            assert (seen.balance, seen.debt, seen.available) == (full.balance, full.debt, full.available(probe))
