"""Member service: merge duplicates, GDPR export and erase — each audited."""

import uuid

from sqlalchemy import select

from server.models import AuditRecord
from tests.integration.membership.conftest import account
from tests.support.tills import line


def _audit(services, action):
    with services.db.session() as session:
        return session.scalars(select(AuditRecord).where(AuditRecord.action == action)).all()


def test_merging_moves_points_and_cards_to_the_survivor_and_marks_the_duplicate(client, desk, enrol, till,
                                                                              services):
    survivor, survivor_card = enrol("Ada Lovelace", points=300)
    duplicate, duplicate_card = enrol("Ada Lovelace (2)", points=1200)
    merged = client.post(f"/api/v1/members/{survivor}/merge", headers=desk,
                         json={"merge_member_id": duplicate, "reason": "same person, two sign-ups"})
    assert merged.status_code == 200, merged.json
    assert merged.json["points_moved"] == 1200
    assert account(client, desk, survivor)["balance"] == 1500
    assert account(client, desk, duplicate)["balance"] == 0
    assert client.get(f"/api/v1/members/{duplicate}", headers=desk).json["merged_into"] == survivor
    looked_up = till.request("GET", f"/api/v1/cards/{duplicate_card}").json
    assert looked_up["member"]["id"] == survivor and looked_up["account"]["balance"] == 1500
    till.sale([line("1", 1000)], card=duplicate_card)
    assert account(client, desk, survivor)["balance"] == 1510
    again = client.post(f"/api/v1/members/{survivor}/merge", headers=desk,
                        json={"merge_member_id": duplicate, "reason": "again"})
    assert again.status_code == 409
    assert [r.reason for r in _audit(services, "member.merged")] == ["same person, two sign-ups"]
    assert survivor_card != duplicate_card


def test_a_member_cannot_merge_into_itself(client, desk, enrol):
    member_id, _ = enrol()
    response = client.post(f"/api/v1/members/{member_id}/merge", headers=desk,
                           json={"merge_member_id": member_id, "reason": "oops"})
    assert response.status_code == 409


def test_export_returns_everything_held_about_the_member_and_is_audited(client, desk, enrol, till, services):
    member_id, card = enrol("Grace Hopper", email="grace@example.org", points=500)
    till.sale([line("1", 2000, sku="COFFEE")], card=card)
    export = client.get(f"/api/v1/members/{member_id}/export", headers=desk)
    assert export.status_code == 200
    data = export.json
    assert data["profile"]["name"] == "Grace Hopper" and data["profile"]["email"] == "grace@example.org"
    assert [c["number"] for c in data["cards"]] == [card]
    assert sorted(e["points"] for e in data["ledger"]) == [20, 500]
    assert data["transactions"][0]["lines"][0]["sku"] == "COFFEE"
    assert len(_audit(services, "member.exported")) == 1


def test_erase_removes_personal_data_but_keeps_the_points_for_the_books(client, desk, enrol, till, services):
    member_id, card = enrol("Grace Hopper", phone="+4930123456", email="grace@example.org", points=500)
    till.sale([line("1", 2000)], card=card)
    erased = client.post(f"/api/v1/members/{member_id}/erase", headers=desk, json={"reason": "GDPR art. 17"})
    assert erased.status_code == 200, erased.json
    profile = client.get(f"/api/v1/members/{member_id}", headers=desk).json
    assert (profile["name"], profile["phone"], profile["email"]) == ("", None, None)
    assert profile["erased_at"] is not None
    assert account(client, desk, member_id)["balance"] == 520
    assert client.get("/api/v1/members?q=grace", headers=desk).json["items"] == []
    assert till.request("GET", f"/api/v1/cards/{card}").json["card"]["state"] == "blocked"
    assert [r.reason for r in _audit(services, "member.erased")] == ["GDPR art. 17"]
    changed = client.patch(f"/api/v1/members/{member_id}", json={"name": "Back Again"}, headers=desk)
    assert changed.status_code == 409


def test_the_ledger_lists_entries_newest_first_in_pages(client, desk, enrol, till, clock):
    member_id, card = enrol(points=100)
    for _ in range(3):
        clock.advance(minutes=5)
        till.sale([line("1", 1000)], card=card, sale_id=str(uuid.uuid4()))
    first = client.get(f"/api/v1/members/{member_id}/ledger?limit=2", headers=desk).json
    rest = client.get(f"/api/v1/members/{member_id}/ledger?limit=2&cursor={first['next_cursor']}",
                      headers=desk).json
    kinds = [e["kind"] for e in first["items"] + rest["items"]]
    assert kinds == ["earn", "earn", "earn", "adjust"]
    assert rest["next_cursor"] is None
