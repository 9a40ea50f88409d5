"""A sale that only earns adds its lots to the kept row's tail, never reading or rewriting the older
lots, and the row still says exactly what a full replay of the member's entries says."""

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from loyalty.entries import Entry, EntryKind, replay_key
from loyalty.ledger import fifo_key, replay
from server.audit import Actor
from server.membership.balances import TAIL_LIMIT, load_kept
from server.membership.ledger import load_ledger, lock_member, post_entries
from server.membership.members import Enrolment
from server.membership.members import enrol as enrol_member
from server.models import MemberBalance
from tests.support.statements import statements
from tests.support.tills import line

# A step of a member's history: credits after everything so far (a sale that earns), a redemption
# (a debit: the lots are read), or a credit dated before the latest entry (a late one: a replay).
# Credits expire after 30 days, a year or never, so a new lot may sort before older ones.
EXPIRIES = st.sampled_from([timedelta(days=30), timedelta(days=365), None])
CREDITS = st.lists(st.tuples(st.integers(1, 400), EXPIRIES), min_size=1, max_size=TAIL_LIMIT + 4)
STEPS = st.lists(st.one_of(st.tuples(st.just("earn"), CREDITS),
                           st.tuples(st.just("redeem"), st.integers(1, 900)),
                           st.tuples(st.just("late"), CREDITS)), min_size=1, max_size=8)


def _member(services) -> uuid.UUID:
    with services.db.session() as session:
        member, _ = enrol_member(session, Enrolment(name="Grace Hopper"), services.program, services.clock(),
                          Actor.system("test"))
        session.commit()
        return member.id


def _entries(kind: str, step, member_id, at) -> list[Entry]:
    account = str(member_id)
    if kind == "redeem":
        return [Entry(uuid.uuid4(), account, EntryKind.REDEEM, -step, at, offline=True)]
    return [Entry(uuid.uuid4(), account, EntryKind.EARN, points, at + timedelta(seconds=n),
                  expires_at=expiry and at + expiry) for n, (points, expiry) in enumerate(step)]


def _row(services, member_id):
    with services.db.session() as session:
        return session.execute(select(MemberBalance).where(MemberBalance.member_id == member_id)).scalar_one()


def _post(services, member_id, entries) -> list[str]:
    with services.db.session() as session, statements(services.db.engine) as seen:
        lock_member(session, member_id)
        post_entries(session, load_kept(session, member_id), entries, services.clock(), allow_debt=True)
        session.commit()
    return seen


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=STEPS)
def test_kept_figures_and_lots_equal_a_full_replay_and_earning_leaves_the_older_lots_alone(steps, services):
    member_id, posted = _member(services), []
    start = services.clock() - timedelta(days=10)
    for number, (kind, step) in enumerate(steps):
        at = start - timedelta(days=5) if kind == "late" else start + timedelta(hours=number)
        entries = _entries(kind, step, member_id, at)
        tail_before = _row(services, member_id).lot_tail if posted else None  # None: no row yet
        seen = _post(services, member_id, entries)
        posted += entries
        if kind == "earn" and tail_before is not None and len(tail_before) + len(entries) <= TAIL_LIMIT:
            # Neither read nor written: the row's older lots are not named by any statement.
            assert not any("lots" in statement for statement in seen), seen
        _the_row_is_a_full_replay(services, member_id, posted)


def _the_row_is_a_full_replay(services, member_id, posted: list[Entry]) -> None:
    full, row = replay(str(member_id), posted), _row(services, member_id)
    open_lots = full.open_lots()
    stored = [*row.lots, *row.lot_tail]
    expected = [[str(lot.lot_id), lot.credited_at.isoformat(), lot.expires_at and lot.expires_at.isoformat(),
                 lot.points, lot.remaining] for lot in open_lots]
    assert len(row.lot_tail) <= TAIL_LIMIT
    assert sorted(map(tuple, stored)) == sorted(map(tuple, expected))  # the same lots, each once
    assert (row.balance, row.debt, row.lot_shortfall) == (full.balance, full.debt, full.lot_shortfall)
    assert row.open_points == sum(lot.remaining for lot in open_lots)
    assert row.first_expiry == min((lot.expires_at for lot in open_lots if lot.expires_at), default=None)
    last = max(map(replay_key, posted))
    assert row.last_key == [last[0].isoformat(), last[1], last[2], str(last[3])]
    with services.db.session() as session:
        decoded = load_kept(session, member_id).state
    assert decoded.open_lots() == open_lots  # decoded in the documented order, first-expiring first
    assert list(decoded.open_lots()) == sorted(decoded.open_lots(), key=fifo_key)


def test_an_online_sale_that_earns_names_only_the_tail_of_a_member_with_many_lots(services, till, enrol, clock):
    member_id, card = enrol(points=500)
    for n in range(2 * TAIL_LIMIT + 3):  # past the tail's limit twice: its lots move to ``lots``
        clock.advance(minutes=1)
        with statements(services.db.engine) as seen:
            assert till.sale([line("1", 1000 + n)], card=card).status_code == 201
        folds = sum("lots" in statement for statement in seen)
        assert folds in (0, 2), seen  # none, or one read and one write when the tail was full
    with services.db.session() as session:
        kept = load_kept(session, uuid.UUID(member_id))
        decoded = kept.state  # in the session that read the row: its lots are read from there
        full = replay(member_id, load_ledger(session, uuid.UUID(member_id)).entries)
    assert decoded.open_lots() == full.open_lots() and (kept.balance, kept.debt) == (full.balance, full.debt)
    assert kept.balance == 500 + sum((1000 + n) // 100 for n in range(2 * TAIL_LIMIT + 3))



def _journal_sale(till, card, paid):
    sale_id = str(uuid.uuid4())
    body = {"id": sale_id, "kind": "sale", "store": till.store, "terminal": till.terminal,
            "at": till.clock().isoformat(), "offline": True, "card_number": card,
            "lines": [line("1", paid)], "tenders": [{"kind": "cash", "amount_minor": paid}]}
    return {"id": sale_id, "type": "transaction", "body": body}


def test_a_journal_batch_of_earning_sales_and_a_void_keeps_what_a_full_replay_gives(services, till, enrol, clock):
    """The batch keeps the member's state in memory item by item: earns go to the tail (which fills
    and moves to ``lots`` midway), the void reads the lots and rewrites them; the row is written once."""
    member_id, card = enrol(points=500)
    items = []
    for n in range(TAIL_LIMIT + 5):
        clock.advance(minutes=1)
        items.append(_journal_sale(till, card, 1000 + 100 * n))
    clock.advance(minutes=1)
    void_id = str(uuid.uuid4())
    items.append({"id": void_id, "type": "transaction", "body": {
        "id": void_id, "kind": "void", "store": till.store, "terminal": till.terminal, "at": clock().isoformat(),
        "offline": True, "original_id": items[3]["id"]}})
    batch = {"protocol_version": 1, "store": till.store, "terminal": till.terminal,
             "items": [{**item, "seq": n} for n, item in enumerate(items, start=1)]}
    results = till.request("POST", "/api/v1/sync/journal", batch).json["results"]
    assert {r["status"] for r in results} == {"applied"}, results
    with services.db.session() as session:
        entries = load_ledger(session, uuid.UUID(member_id)).entries
    _the_row_is_a_full_replay(services, uuid.UUID(member_id), list(entries))
    earned = sum(10 + n for n in range(TAIL_LIMIT + 5))
    assert _row(services, uuid.UUID(member_id)).balance == 500 + earned - 13  # the void takes back sale 3's 13
