"""Member service in the back office: the same service calls as the API, audited, in the user's words."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import event, select

from server.models import AdjustmentRequest, AuditRecord, Card, LedgerEntry, Member
from tests.integration.admin_ui.backoffice import page_token, sign_in


def member_page(client, chain) -> str:
    response = client.get(f"/admin/members/{chain.member_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def audit_of(services, action: str) -> list[AuditRecord]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_a_member_is_found_by_name_phone_or_card_and_shown_with_balance_in_points_and_money(client, chain):
    sign_in(client, "member_service")
    for query in ("lovelace", chain.card):
        found = client.get("/admin/members", query_string={"q": query}).get_data(as_text=True)
        assert "Ada Lovelace" in found and chain.card in found
    page = member_page(client, chain)
    assert "1,500" in page  # the opening balance
    assert "€15.00" in page  # 1,500 points at 100 points a euro
    assert "<td>March 2027</td><td class=\"points\">1,500</td>" in page  # 12 months after March 2026


def test_blocking_a_card_changes_its_state_and_names_the_staff_user_in_the_audit_log(services, client, chain):
    sign_in(client, "member_service")
    response = client.post(f"/admin/members/{chain.member_id}/cards/{chain.card}/state",
                           data={"csrf_token": page_token(client), "state": "blocked", "reason": "stolen wallet"})
    assert response.status_code == 302
    assert f"Card {chain.card} is now blocked." in member_page(client, chain)
    with services.db.session() as session:
        assert session.get(Card, chain.card).state == "blocked"
    [record] = audit_of(services, "card.blocked")
    assert (record.actor, record.target, record.reason) == ("member-service", chain.card, "stolen wallet")


def test_a_card_change_without_a_reason_is_refused_with_a_message(services, client, chain):
    sign_in(client, "member_service")
    client.post(f"/admin/members/{chain.member_id}/cards/{chain.card}/state",
                data={"csrf_token": page_token(client), "state": "blocked", "reason": "  "})
    assert "Reason: say why the card changes state" in member_page(client, chain)
    with services.db.session() as session:
        assert session.get(Card, chain.card).state == "active"


def test_replacing_a_lost_card_issues_a_new_number_and_retires_the_old_one(services, client, chain):
    sign_in(client, "member_service")
    client.post(f"/admin/members/{chain.member_id}/cards/{chain.card}/replace",
                data={"csrf_token": page_token(client), "reason": "lost on the bus"})
    with services.db.session() as session:
        old = session.get(Card, chain.card)
        new = session.get(Card, old.replaced_by)
        assert (old.state, new.state, str(new.member_id)) == ("replaced", "active", chain.member_id)
    assert f"New card {new.number} issued" in member_page(client, chain)
    assert audit_of(services, "card.replaced")[0].actor == "member-service"


def test_an_adjustment_is_recorded_once_even_when_the_form_is_sent_twice(services, client, chain):
    sign_in(client, "member_service")
    page = member_page(client, chain)
    adjustment_id = re.search(r'name="adjustment_id" value="([^"]+)"', page).group(1)
    form = {"csrf_token": page_token(client), "adjustment_id": adjustment_id, "points": "250",
            "reason": "goodwill: late delivery"}
    client.post(f"/admin/members/{chain.member_id}/adjustments", data=form)
    client.post(f"/admin/members/{chain.member_id}/adjustments", data=form)
    page = member_page(client, chain)
    assert "The balance is now 1,750 points." in page
    assert "spendable now: €17.00" in page  # whole steps of 100 points: the 50 left over pay nothing
    with services.db.session() as session:
        adjustments = session.scalars(select(LedgerEntry.points).where(
            LedgerEntry.kind == "adjust", LedgerEntry.reason == "goodwill: late delivery")).all()
    assert adjustments == [250]
    assert [r.actor for r in audit_of(services, "points.adjusted")] == ["test", "member-service"]  # seed, then ours


def test_an_adjustment_above_the_users_limit_waits_for_a_second_user_and_changes_nothing(services, client, chain):
    sign_in(client, "member_service")  # member service may adjust 5,000 points alone (the default)
    client.post(f"/admin/members/{chain.member_id}/adjustments",
                data={"csrf_token": page_token(client), "points": "6000", "reason": "lost receipts"})
    page = member_page(client, chain)
    assert "+6,000 points are above your limit" in page and "waits, pending" in page
    with services.db.session() as session:
        assert session.scalars(select(LedgerEntry.points).where(LedgerEntry.reason == "lost receipts")).all() == []
        assert session.scalars(select(AdjustmentRequest.state)).all() == ["pending"]


def test_an_adjustment_that_is_not_a_whole_number_is_explained_and_not_made(client, chain):
    sign_in(client, "member_service")
    client.post(f"/admin/members/{chain.member_id}/adjustments",
                data={"csrf_token": page_token(client), "points": "12.5", "reason": "typo"})
    page = member_page(client, chain)
    assert "Points: enter a whole number of points other than 0" in page
    assert "1,500" in page


def test_the_ledger_filters_by_kind_and_downloads_as_csv(client, chain):
    sign_in(client, "member_service")
    client.post(f"/admin/members/{chain.member_id}/adjustments",
                data={"csrf_token": page_token(client), "points": "-200", "reason": "returned goods"})
    rows = list(csv.reader(io.StringIO(client.get(
        f"/admin/members/{chain.member_id}", query_string={"kind": "adjust", "format": "csv"}).get_data(as_text=True))))
    assert rows[0] == ["When", "Kind", "Points", "Expires", "Source", "Reason", "By"]
    assert sorted(int(row[2]) for row in rows[1:]) == [-200, 1500]
    assert client.get(f"/admin/members/{chain.member_id}", query_string={"kind": "earn"}).status_code == 200


def test_export_needs_a_confirming_post_and_downloads_everything_held(services, client, chain):
    sign_in(client, "member_service")
    assert "Download the export" in client.get(f"/admin/members/{chain.member_id}/export").get_data(as_text=True)
    assert audit_of(services, "member.exported") == []  # looking at the page exports nothing
    response = client.post(f"/admin/members/{chain.member_id}/export", data={"csrf_token": page_token(client)})
    assert response.headers["Content-Disposition"] == f'attachment; filename="member-{chain.member_id}.json"'
    assert response.json["profile"]["name"] == "Ada Lovelace"
    assert [r.actor for r in audit_of(services, "member.exported")] == ["member-service"]


def test_erase_needs_the_box_ticked_and_a_reason(services, client, chain):
    sign_in(client, "member_service")
    path = f"/admin/members/{chain.member_id}/erase"
    refused = client.post(path, data={"csrf_token": page_token(client), "reason": "member asked"})
    assert refused.status_code == 422
    assert "Tick the box" in refused.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": page_token(client), "reason": "member asked by letter",
                                       "confirm": "erase"})
    assert response.status_code == 302
    with services.db.session() as session:
        member = session.get(Member, __import__("uuid").UUID(chain.member_id))
        assert (member.name, member.erased_at is not None) == ("", True)
    assert audit_of(services, "member.erased")[0].reason == "member asked by letter"


def test_the_member_page_reads_only_the_page_of_ledger_entries_it_shows(services, client, chain):
    """Balance, expiring points and tier progress come from the kept state (member_balances) and the
    tier window, so the page costs the same however long the member's history (#14)."""
    sign_in(client, "member_service")
    reads = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT") and "ledger_entries" in statement:
            reads.append(" ".join(statement.split()))

    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        page = member_page(client, chain)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
    assert "1,500" in page
    assert reads and all("LIMIT" in sql or "count(" in sql for sql in reads), reads
