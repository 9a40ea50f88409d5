"""Staff points adjustments: limits per role, four-eyes approval above them, and no overdraft.

Here member service may adjust 1,000 points at once and 3,000 in any 24 hours on their own
(admins keep the defaults, 50,000 and 200,000).
"""

import threading
import uuid

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from server.app import create_app
from server.exceptions import ConfigError
from server.models import AdjustmentRequest, AuditRecord, LedgerEntry
from server.services import Services
from server.settings import AdjustmentLimit, Settings
from tests.conftest import TEST_SECRET
from tests.integration.membership.conftest import account
from tests.support.concurrency import concurrently
from tests.support.factories import PASSWORD, login, make_staff, seed_member

LIMITS = {"adjust_max_points_member_service": "1000", "adjust_day_points_member_service": "3000"}


@pytest.fixture
def settings_values(settings_values):
    return {**settings_values, **LIMITS}


@pytest.fixture
def colleague(client, services):
    """A second member-service user, who may approve what ``desk`` (sam) asks for."""
    make_staff(services, "sue", "member_service")
    return login(client, "sue")


def adjust(client, headers, member_id, points, reason="goodwill", adjustment_id=None):
    return client.post(f"/api/v1/members/{member_id}/adjustments", headers=headers,
                       json={"id": adjustment_id or str(uuid.uuid4()), "points": points, "reason": reason})


def decide(client, headers, member_id, request_id, decision, reason="checked the receipt"):
    return client.post(f"/api/v1/members/{member_id}/adjustments/{request_id}/{decision}", headers=headers,
                       json={"reason": reason})


def audit_trail(services, member_id):
    with services.db.session() as session:
        return [(r.action, r.actor, r.reason) for r in session.scalars(
            select(AuditRecord).where(AuditRecord.target == member_id).order_by(AuditRecord.id))]


def test_an_adjustment_within_the_limits_applies_at_once(client, desk, enrol):
    member_id, _ = enrol()
    response = adjust(client, desk, member_id, 1000)
    assert (response.status_code, response.json) == (201, {"balance": 1000})


def test_removing_99_999_points_from_a_453_point_member_is_refused_as_an_overdraft(client, desk, enrol,
                                                                                   services):
    member_id, _ = enrol(points=453)
    make_staff(services, "ada", "admin")
    for headers in (desk, login(client, "ada")):
        response = adjust(client, headers, member_id, -99_999, "typo")
        assert response.status_code == 409, response.json
        assert response.json["type"].endswith("/adjustment-overdraws")
        assert (response.json["requested"], response.json["available"]) == (99_999, 453)
    assert account(client, desk, member_id)["balance"] == 453
    with services.db.session() as session:
        assert session.scalars(select(AdjustmentRequest)).all() == []


def test_points_held_for_a_sale_in_progress_cannot_be_adjusted_away(client, desk, enrol, till):
    member_id, card = enrol(points=900)
    hold = till.request("POST", "/api/v1/holds", {"id": str(uuid.uuid4()), "card_number": card, "points": 600,
                                                   "store": till.store, "terminal": till.terminal})
    assert hold.status_code == 201, hold.json
    refused = adjust(client, desk, member_id, -400)
    assert refused.status_code == 409 and refused.json["available"] == 300
    assert adjust(client, desk, member_id, -300).json == {"balance": 600}


def test_above_the_per_adjustment_limit_a_second_staff_user_approves_once(client, desk, colleague, enrol,
                                                                          services):
    member_id, _ = enrol()
    asked = adjust(client, desk, member_id, 1500, "lost receipts from the March outage", "adj-77")
    assert asked.status_code == 202, asked.json
    assert (asked.json["state"], asked.json["exceeded"], asked.json["requested_by"]) == (
        "pending", "per_adjustment", "sam")
    assert account(client, desk, member_id)["balance"] == 0
    again = adjust(client, desk, member_id, 1500, "lost receipts from the March outage", "adj-77")
    assert (again.status_code, again.json["id"]) == (202, asked.json["id"])

    own = decide(client, desk, member_id, asked.json["id"], "approve")
    assert own.status_code == 403 and own.json["type"].endswith("/own-adjustment")
    approved = decide(client, colleague, member_id, asked.json["id"], "approve", "receipts seen")
    assert approved.status_code == 200, approved.json
    assert (approved.json["state"], approved.json["decided_by"], approved.json["balance"]) == ("approved", "sue", 1500)
    twice = decide(client, colleague, member_id, asked.json["id"], "approve", "receipts seen")
    assert (twice.status_code, twice.json["balance"]) == (200, 1500)
    assert account(client, desk, member_id)["balance"] == 1500

    with services.db.session() as session:
        entries = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "adjust")).all()
    assert [(e.points, e.actor) for e in entries] == [(1500, "sam, approved by sue")]
    assert audit_trail(services, member_id)[-2:] == [
        ("points.adjustment_requested", "sam", "lost receipts from the March outage"),
        ("points.adjustment_approved", "sue", "receipts seen")]


def test_the_daily_limit_counts_what_one_staff_user_adjusted_alone_in_24_hours(client, desk, colleague, enrol,
                                                                               clock):
    member_id, _ = enrol()
    assert [adjust(client, desk, member_id, points).status_code for points in (1000, 1000, -800)] == [201] * 3
    over = adjust(client, desk, member_id, 300)  # 1000 + 1000 + 800 + 300 = 3100 > 3000
    assert (over.status_code, over.json["exceeded"]) == (202, "per_day")
    assert adjust(client, colleague, member_id, 300).status_code == 201  # sue's own day is hers
    assert adjust(client, desk, member_id, 200).status_code == 201  # exactly 3000
    assert decide(client, colleague, member_id, over.json["id"], "approve").json["balance"] == 2000
    clock.advance(hours=23, minutes=59)
    assert adjust(client, login(client, "sam"), member_id, 1).status_code == 202
    clock.advance(minutes=1, seconds=1)
    assert adjust(client, login(client, "sam"), member_id, 1).json == {"balance": 2001}


def test_a_rejected_request_never_applies(client, desk, colleague, enrol, services):
    member_id, _ = enrol(points=100)
    asked = adjust(client, desk, member_id, 5000, "birthday bonus")
    rejected = decide(client, colleague, member_id, asked.json["id"], "reject", "not our policy")
    assert (rejected.status_code, rejected.json["state"], rejected.json["decision_reason"]) == (
        200, "rejected", "not our policy")
    late = decide(client, colleague, member_id, asked.json["id"], "approve")
    assert late.status_code == 409 and late.json["type"].endswith("/adjustment-decided")
    assert account(client, desk, member_id)["balance"] == 100
    assert audit_trail(services, member_id)[-1] == ("points.adjustment_rejected", "sue", "not our policy")


def test_the_requester_may_withdraw_their_own_request(client, desk, enrol):
    member_id, _ = enrol()
    asked = adjust(client, desk, member_id, 2000)
    assert decide(client, desk, member_id, asked.json["id"], "reject", "wrong member").json["state"] == "rejected"


def test_approval_is_refused_when_the_points_are_no_longer_there(client, desk, colleague, enrol):
    member_id, _ = enrol(points=1000)
    assert adjust(client, desk, member_id, 1000).status_code == 201
    asked = adjust(client, desk, member_id, -1500, "duplicate welcome bonus")
    assert asked.status_code == 202
    assert adjust(client, colleague, member_id, -800).json == {"balance": 1200}
    refused = decide(client, colleague, member_id, asked.json["id"], "approve")
    assert refused.status_code == 409 and refused.json["type"].endswith("/adjustment-overdraws")
    assert client.get(f"/api/v1/members/{member_id}/adjustments/{asked.json['id']}",
                      headers=desk).json["state"] == "pending"
    assert account(client, desk, member_id)["balance"] == 1200


def test_pending_requests_are_listed_for_approvers_oldest_first(client, desk, colleague, enrol):
    first, _ = enrol("First Member")
    second, _ = enrol("Second Member")
    ids = [adjust(client, desk, m, 4000).json["id"] for m in (first, second, first)]
    decide(client, colleague, first, ids[2], "reject")
    page = client.get("/api/v1/members/adjustment-requests?limit=1", headers=colleague).json
    rest = client.get(f"/api/v1/members/adjustment-requests?cursor={page['next_cursor']}", headers=colleague).json
    assert [r["id"] for r in page["items"] + rest["items"]] == ids[:2]
    assert rest["next_cursor"] is None


def test_limits_are_settings_checked_when_read():
    base = {"data_dir": "/tmp", "secret_key": TEST_SECRET}
    limits = Settings.from_values({**base, **LIMITS})
    assert limits.adjust_limit("member_service") == AdjustmentLimit(1000, 3000)
    assert limits.adjust_limit("admin") == AdjustmentLimit(50_000, 200_000)
    assert limits.adjust_limit("cashier") is None
    with pytest.raises(ConfigError, match="ONECARD_ADJUST_DAY_POINTS_ADMIN: must be at least"):
        Settings.from_values({**base, "adjust_day_points_admin": "10"})
    with pytest.raises(ConfigError, match="ONECARD_ADJUST_MAX_POINTS_MEMBER_SERVICE: must be a whole number"):
        Settings.from_values({**base, "adjust_max_points_member_service": "lots"})


@pytest.mark.postgres
def test_approvers_racing_each_other_apply_an_adjustment_once(postgres_database, tmp_path):
    postgres_database.reset()
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": postgres_database.url, **LIMITS}))
    server = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1"
    try:
        names = ["sam", *(f"approver{i}" for i in range(6))]
        for name in names:
            make_staff(services, name, "member_service")
        tokens = {n: requests.post(f"{url}/auth/token", json={"username": n, "password": PASSWORD}, timeout=30)
                  .json()["access_token"] for n in names}
        for round_ in range(5):
            member_id, _ = seed_member(services, 2000, f"Member {round_}")
            asked = requests.post(f"{url}/members/{member_id}/adjustments", timeout=30,
                                  headers={"Authorization": f"Bearer {tokens['sam']}"},
                                  json={"id": "bulk-fix", "points": -1800, "reason": "double credit"})
            assert asked.status_code == 202, asked.text
            approve = f"{url}/members/{member_id}/adjustments/{asked.json()['id']}/approve"
            calls = [lambda n=n, approve=approve: requests.post(
                approve, timeout=30, headers={"Authorization": f"Bearer {tokens[n]}"}, json={"reason": "seen"})
                for n in names[1:]]
            answers = concurrently(calls)
            assert {(a.status_code, a.json()["balance"]) for a in answers} == {(200, 200)}
            with services.db.session() as session:
                approvals = session.scalars(select(AuditRecord).where(
                    AuditRecord.target == member_id, AuditRecord.action == "points.adjustment_approved")).all()
            assert len(approvals) == 1
    finally:
        server.shutdown()
        services.db.dispose()
