"""Enrolment, profile changes and merges at the member-service desk, through the members services."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from server.models import AuditRecord, Card, LedgerEntry, Member
from tests.integration.admin_ui.backoffice import page_token, sign_in
from tests.support.factories import seed_member

PROFILE = {"name": "Grace Hopper", "phone": "+44 20 7946 0958", "email": "grace@Example.COM", "home_store": "S001",
           "consent_marketing_email": "yes"}


def test_enrolling_a_member_issues_a_card_and_opens_the_member_page(services, client, chain):
    sign_in(client, "member_service")
    response = client.post("/admin/members/new", data={"csrf_token": page_token(client), **PROFILE})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Grace Hopper is enrolled with card" in page
    with services.db.session() as session:
        member = session.scalars(select(Member).where(Member.name == "Grace Hopper")).one()
        assert (member.phone, member.email, member.home_store) == ("+442079460958", "grace@example.com", "S001")
        assert member.consents == {"marketing_email": True, "marketing_sms": False, "profiling": False}
        assert session.scalar(select(func.count()).select_from(Card).where(Card.member_id == member.id)) == 1


def test_a_refused_enrolment_puts_each_message_beside_its_field_and_keeps_what_was_typed(services, client, chain):
    sign_in(client, "member_service")
    response = client.post("/admin/members/new", data={
        "csrf_token": page_token(client), "name": "", "phone": "020 7946 0958", "email": "grace at example",
        "card_number": "12345"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Name: enter the member&#39;s name" in page
    assert "Card number: a card number is 13 digits" in page
    assert 'value="020 7946 0958"' in page
    response = client.post("/admin/members/new", data={
        "csrf_token": page_token(client), "name": "Grace", "phone": "020 7946 0958", "email": "grace at example"})
    page = response.get_data(as_text=True)
    assert "Phone: needs a country code, e.g. +44 20 7946 0958" in page  # the loyalty rules' own words
    with services.db.session() as session:
        assert session.scalars(select(Member).where(Member.name == "Grace")).all() == []


def test_changing_the_profile_saves_only_what_changed_and_audits_the_fields(services, client, chain):
    sign_in(client, "member_service")
    path = f"/admin/members/{chain.member_id}/edit"
    assert 'value="Ada Lovelace"' in client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": page_token(client), "name": "Ada Lovelace",
                                       "email": "ada@example.com", "consent_profiling": "yes"})
    assert "Saved: consents, e-mail." in client.get(response.headers["Location"]).get_data(as_text=True)
    with services.db.session() as session:
        member = session.get(Member, uuid.UUID(chain.member_id))
        assert (member.email, member.consents["profiling"]) == ("ada@example.com", True)
        updated = session.scalars(select(AuditRecord).where(AuditRecord.action == "member.updated")).one()
        assert (updated.actor, updated.details["fields"]) == ("member-service", ["consents", "email"])


def test_a_bad_e_mail_in_a_profile_change_is_explained_beside_the_field(client, chain):
    sign_in(client, "member_service")
    response = client.post(f"/admin/members/{chain.member_id}/edit",
                           data={"csrf_token": page_token(client), "name": "Ada Lovelace", "email": "ada@"})
    assert response.status_code == 422
    assert "E-mail: must look like name@example.com" in response.get_data(as_text=True)


def test_the_merge_preview_shows_what_the_survivor_would_hold_and_writes_nothing(services, client, chain):
    duplicate_id, duplicate_card = seed_member(services, 320, "Ada King")
    sign_in(client, "member_service")
    with services.db.session() as session:
        entries_before = session.scalar(select(func.count()).select_from(LedgerEntry))
    page = client.get(f"/admin/members/{chain.member_id}/merge",
                      query_string={"duplicate": duplicate_card}).get_data(as_text=True)
    after = page.split("after the merge</h3>")[1]
    assert "1,820 points" in after  # 1,500 here and 320 there
    assert chain.card in after and duplicate_card in after
    assert "<dt>Ledger entries</dt><dd>2</dd>" in after  # its opening balance and one transfer in per lot
    assert "320 points move" in page
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == entries_before
        assert session.get(Member, uuid.UUID(duplicate_id)).merged_into is None


def test_confirming_the_merge_moves_points_and_cards_as_previewed(services, client, chain):
    duplicate_id, duplicate_card = seed_member(services, 320, "Ada King")
    sign_in(client, "member_service")
    path = f"/admin/members/{chain.member_id}/merge"
    unticked = client.post(path, data={"csrf_token": page_token(client), "duplicate": duplicate_id,
                                       "reason": "same person"})
    assert unticked.status_code == 422 and "Tick the box to confirm the merge." in unticked.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": page_token(client), "duplicate": duplicate_id,
                                       "reason": "same person, confirmed by phone", "confirm": "merge"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Merged: 320 points and 1 card(s) moved here" in page and "1,820" in page
    with services.db.session() as session:
        assert session.get(Card, duplicate_card).member_id == uuid.UUID(chain.member_id)
        assert session.get(Member, uuid.UUID(duplicate_id)).merged_into == uuid.UUID(chain.member_id)


def test_a_member_cannot_be_merged_into_itself_and_an_unknown_card_is_named(client, chain):
    sign_in(client, "member_service")
    path = f"/admin/members/{chain.member_id}/merge"
    itself = client.get(path, query_string={"duplicate": chain.card})
    assert itself.status_code == 422
    assert "an account cannot merge into itself" in itself.get_data(as_text=True)
    assert "Duplicate: enter the other account" in client.get(path, query_string={"duplicate": "ada"}).get_data(
        as_text=True)
