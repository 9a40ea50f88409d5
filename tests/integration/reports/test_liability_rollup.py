"""The liability roll-up reads the members' kept open lots (member_balances), never their ledgers:
its buckets must be what a full replay of each member's ledger leaves, on the first catch-up (a
rebuild of every member) and on a later run (the members the new entries touched), for members
with expiries, debt, merges and returns."""

import uuid
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from loyalty.ledger import Ledger
from server.membership.ledger import to_entry
from server.models import LedgerEntry, MemberLots
from server.reports.rollups import lot_buckets, run_rollups
from tests.support.tills import line


def replayed(services) -> dict[tuple, int]:
    """(member id, bucket) -> points, from every member's whole ledger replayed from its rows."""
    by_member = defaultdict(list)
    with services.db.session() as session:
        for row in session.scalars(select(LedgerEntry)):
            by_member[row.member_id].append(to_entry(row))
    return {(member_id, bucket): points for member_id, entries in by_member.items()
            for bucket, points in lot_buckets(Ledger(str(member_id), tuple(entries)).state).items()}


def rolled_up(services) -> dict[tuple, int]:
    with services.db.session() as session:
        return {(r.member_id, r.bucket): r.points for r in session.scalars(select(MemberLots))}


def raw_balances(services) -> dict[uuid.UUID, int]:
    """Each member's balance as the plain sum of their entries' points."""
    balances = defaultdict(int)
    with services.db.session() as session:
        for member_id, points in session.execute(select(LedgerEntry.member_id, LedgerEntry.points)):
            balances[member_id] += points
    return dict(balances)


def merge(chain, survivor: str, duplicate: str) -> None:
    answer = chain.client.post(f"/api/v1/members/{chain.members[survivor][0]}/merge", headers=chain.staff("sam"),
                               json={"merge_member_id": chain.members[duplicate][0], "reason": "one person"})
    assert answer.status_code == 200, answer.json


def overdraw_offline(chain, store: str, member: str, points: int, at) -> str:
    """An offline sale paying ``points`` the member may not have: the server accepts it late, as debt."""
    return chain.sell(store, at, [line("1", 5000, category="produce")], member, offline=True,
                      tenders=[{"kind": "points", "amount_minor": points, "points": points},
                               {"kind": "cash", "amount_minor": 5000 - points}])


def assert_buckets_are_the_replay(services) -> dict[tuple, int]:
    rows = rolled_up(services)
    assert rows == replayed(services)
    by_member = defaultdict(int)
    for (member_id, _), points in rows.items():
        by_member[member_id] += points
    assert {m: p for m, p in by_member.items() if p} == {m: b for m, b in raw_balances(services).items() if b}
    return rows


def test_the_kept_lots_give_the_full_replays_buckets_first_and_on_later_runs(chain, services, clock):
    start = clock()
    chain.enrol("Dee", "A1", points=200)
    overdraw_offline(chain, "A1", "Dee", 700, start + timedelta(hours=1))  # 500 short, less 43 earned
    chain.enrol("Eve", "B2", points=900)
    merge(chain, "Cy", "Eve")  # Eve's welcome lot moves to Cy
    bought = chain.sell("B2", start + timedelta(hours=2), [line("1", 6000, category="dairy")], "Cy")
    clock.now = start + timedelta(hours=3)
    assert chain.tills["B2"].undo("return", bought, [line("1", 6000, category="dairy")]).status_code == 201
    clock.advance(minutes=5)

    first = run_rollups()  # the first catch-up rebuilds every member's buckets from the kept lots
    with services.db.session() as session:
        assert first["rollup-liability"] == len(session.scalars(select(LedgerEntry.id)).all())
    rows = assert_buckets_are_the_replay(services)
    dee, cy = (uuid.UUID(chain.members[name][0]) for name in ("Dee", "Cy"))
    assert rows[(dee, "debt")] == 200 - 700 + 43  # the 43.00 paid in cash earned 43 points
    assert sum(points for (member_id, _), points in rows.items() if member_id == cy) > 900

    later = clock() + timedelta(hours=1)
    chain.sell("A1", later, [line("1", 20000, category="produce")], "Dee")  # repays part of the debt
    merge(chain, "Bob", "Dee")  # the debt and what is left move to Bob
    chain.enrol("Fay", "A1", points=300)
    overdraw_offline(chain, "B2", "Fay", 400, later + timedelta(hours=1))
    clock.now = later + timedelta(hours=2)
    ada_sale = chain.sell("A1", clock(), [line("1", 3000, category="bakery")], "Ada")
    assert chain.tills["A1"].undo("return", ada_sale).status_code == 201
    clock.advance(minutes=5)

    again = run_rollups()  # now only the touched members, from their kept lots
    assert again["rollup-liability"] > 0
    assert_buckets_are_the_replay(services)
