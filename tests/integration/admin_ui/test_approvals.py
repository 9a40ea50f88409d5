"""Four eyes in the back office: a second staff user approves or rejects an adjustment above the limits."""

from __future__ import annotations

from sqlalchemy import select

from server.models import AdjustmentRequest, AuditRecord, LedgerEntry
from tests.integration.admin_ui.backoffice import page_token, seed_waiting_adjustment, sign_in


def decide(client, chain, request_id: str, verdict: str, reason: str):
    return client.post(f"/admin/members/{chain.member_id}/adjustments/{request_id}/{verdict}",
                       data={"csrf_token": page_token(client), "reason": reason})


def state_of(services, request_id: str) -> str:
    with services.db.session() as session:
        return session.scalars(select(AdjustmentRequest.state)).one()


def test_the_approvals_page_lists_what_waits_and_the_member_page_links_to_it(client, services, chain):
    request_id = seed_waiting_adjustment(services, chain)
    sign_in(client, "admin")
    listing = client.get("/admin/approvals").get_data(as_text=True)
    assert "Ada Lovelace" in listing and "6,000" in listing and "receipts found after the sale" in listing
    assert "more than the requester may adjust in one go" in listing
    link = f"/admin/members/{chain.member_id}/adjustments/{request_id}"
    assert link in listing
    assert link in client.get(f"/admin/members/{chain.member_id}").get_data(as_text=True)
    assert "Approve" in client.get(link).get_data(as_text=True)


def test_a_second_user_approves_and_the_points_land_in_both_names(client, services, chain):
    request_id = seed_waiting_adjustment(services, chain)
    sign_in(client, "admin")
    response = decide(client, chain, request_id, "approve", "receipts checked with store S001")
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/approvals")
    page = client.get("/admin/approvals").get_data(as_text=True)
    assert "Approved: +6,000 points for Ada Lovelace. The balance is now 7,500 points." in page
    assert "Nothing matches." in page
    with services.db.session() as session:
        entry = session.scalars(select(LedgerEntry).where(LedgerEntry.points == 6000)).one()
        assert entry.actor == "member-service, approved by admin"
        approval = session.scalars(select(AuditRecord).where(
            AuditRecord.action == "points.adjustment_approved")).one()
        assert (approval.actor, approval.reason) == ("admin", "receipts checked with store S001")


def test_the_requester_cannot_approve_their_own_adjustment_and_is_told_why(client, services, chain):
    request_id = seed_waiting_adjustment(services, chain)
    sign_in(client, "member_service")
    page = client.get(f"/admin/members/{chain.member_id}/adjustments/{request_id}").get_data(as_text=True)
    assert "You asked for this adjustment" in page
    response = decide(client, chain, request_id, "approve", "I am sure")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "member-service asked for this adjustment; another staff user must approve it" in page
    assert state_of(services, request_id) == "pending"


def test_a_decision_without_a_reason_is_explained_and_changes_nothing(client, services, chain):
    request_id = seed_waiting_adjustment(services, chain)
    sign_in(client, "admin")
    response = decide(client, chain, request_id, "reject", "  ")
    assert "Reason: say why you reject it" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert state_of(services, request_id) == "pending"


def test_a_rejected_adjustment_changes_nothing_and_cannot_be_approved_afterwards(client, services, chain):
    request_id = seed_waiting_adjustment(services, chain)
    sign_in(client, "admin")
    decide(client, chain, request_id, "reject", "no receipt for it")
    assert "Rejected: +6,000 points for Ada Lovelace. Nothing changed on the account." in client.get(
        "/admin/approvals").get_data(as_text=True)
    response = decide(client, chain, request_id, "approve", "changed my mind")
    assert "is rejected" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert state_of(services, request_id) == "rejected"
    with services.db.session() as session:
        assert session.scalars(select(LedgerEntry).where(LedgerEntry.points == 6000)).all() == []
