"""Loyalty jobs: expiry first-expiring-first, tier review; both safe to run twice.

Time moves a lot here, so every staff call logs in afresh (tokens live 8 hours).
"""

from datetime import UTC, datetime, timedelta

from server.membership.jobs import run_points_expiry, run_tier_review
from tests.integration.membership.conftest import account, place_hold
from tests.support.factories import login
from tests.support.tills import line


def _desk(client):
    return login(client, "sam")


def _enrol(client, points=0):
    member = client.post("/api/v1/members", json={"name": "Time Traveller"}, headers=_desk(client)).json
    if points:
        client.post(f"/api/v1/members/{member['id']}/adjustments", headers=_desk(client),
                    json={"id": "welcome-1", "points": points, "reason": "welcome"})
    return member["id"], member["card"]["number"]


def test_expiry_removes_exactly_what_is_left_of_old_lots_and_is_idempotent(client, desk, till, clock):
    clock.now = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    member_id, card = _enrol(client, points=1000)  # a lot expiring at the end of January 2026
    clock.now = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
    till.sale([line("1", 10000)], card=card)  # 100 points, expiring at the end of June 2026
    clock.now = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    paid = till.sale([line("1", 2000)], card=card, hold_id=place_hold(till, card, 600),
                     tenders=[{"kind": "points", "amount_minor": 600, "points": 600},
                              {"kind": "cash", "amount_minor": 1400}])
    assert paid.status_code == 201, paid.json
    # the 600 came out of the January lot (first to expire): 400 left there, 100 + 14 in later lots
    assert account(client, _desk(client), member_id)["balance"] == 1000 + 100 - 600 + 14
    clock.now = datetime(2026, 2, 1, 0, 0, 1, tzinfo=UTC)
    assert run_points_expiry() == 400
    assert run_points_expiry() == 0
    assert account(client, _desk(client), member_id)["balance"] == 114


def test_a_member_is_upgraded_as_soon_as_spend_qualifies_and_downgraded_only_on_review(client, desk, till,
                                                                                     clock):
    member_id, card = _enrol(client)
    till.sale([line("1", 60000)], card=card)  # 600.00 in the last year: silver (500.00)
    assert run_tier_review(is_review_date=False) == 1
    assert client.get(f"/api/v1/members/{member_id}", headers=_desk(client)).json["tier"] == "silver"
    assert run_tier_review(is_review_date=False) == 0
    clock.advance(days=400)  # the spend has left the 365-day window
    assert run_tier_review(is_review_date=False) == 0
    assert run_tier_review(is_review_date=True) == 1
    assert client.get(f"/api/v1/members/{member_id}", headers=_desk(client)).json["tier"] == "basic"


def test_two_expiry_runs_at_once_expire_each_lot_exactly_once(client, desk, till, clock, database_url):
    import threading

    clock.now = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    members = [_enrol(client, points=700 + 100 * n) for n in range(4)]
    clock.now = datetime(2026, 2, 1, 0, 0, 1, tzinfo=UTC)
    results: list[int] = []
    runs = [threading.Thread(target=lambda: results.append(run_points_expiry())) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    assert sum(results) == 700 + 800 + 900 + 1000
    assert all(account(client, _desk(client), member_id)["balance"] == 0 for member_id, _ in members)


def _candidates(services, now, since):
    from server.membership.jobs import expiry_candidates

    with services.db.session() as session:
        return expiry_candidates(session, now, since)


def test_a_lot_used_up_before_it_expired_is_not_looked_at_on_every_run(client, desk, till, clock, services):
    from sqlalchemy import select

    from server.models import JobWatermark

    def watermark():
        with services.db.session() as session:
            return session.scalar(select(JobWatermark.watermark).where(JobWatermark.job == "expire-points"))

    clock.now = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    member_id, card = _enrol(client, points=1000)  # one lot, expiring at the end of January 2026
    clock.now = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    paid = till.sale([line("1", 2000)], card=card, hold_id=place_hold(till, card, 1000),
                     tenders=[{"kind": "points", "amount_minor": 1000, "points": 1000},
                              {"kind": "cash", "amount_minor": 1000}])
    assert paid.status_code == 201, paid.json  # the lot is spent; 10 points earned in a new lot
    clock.now = datetime(2026, 2, 1, 0, 0, 1, tzinfo=UTC)
    assert [str(m) for m in _candidates(services, clock.now, None)] == [member_id]  # nothing marks it used up
    assert run_points_expiry() == 0
    assert watermark() == clock.now - timedelta(hours=1)  # an hour of overlap with the next run
    clock.advance(hours=2)
    assert run_points_expiry() == 0
    clock.advance(days=30)
    assert _candidates(services, clock.now, watermark()) == []  # every later run skips it


def test_a_lot_recorded_after_the_last_run_is_expired_even_if_its_expiry_was_before(client, desk, clock, services):
    import uuid

    from loyalty.entries import Entry, EntryKind
    from server.membership.ledger import load_ledger, post_entries

    clock.now = datetime(2026, 2, 1, tzinfo=UTC)
    member_id, _ = _enrol(client)
    assert run_points_expiry() == 0  # the watermark is now 2026-01-31 23:00
    clock.advance(days=1)
    # A lot that arrives late with a past expiry (a merge moves lots as they are).
    with services.db.session() as session:
        late = Entry(uuid.uuid4(), member_id, EntryKind.EARN, 300, datetime(2025, 1, 5, tzinfo=UTC),
                     expires_at=datetime(2026, 1, 15, tzinfo=UTC), source_id="moved")
        post_entries(session, load_ledger(session, uuid.UUID(member_id)), [late], clock.now)
        session.commit()
    assert run_points_expiry() == 300
    assert account(client, _desk(client), member_id)["balance"] == 0
