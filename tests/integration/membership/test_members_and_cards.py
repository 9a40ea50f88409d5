"""Enrolment, look-up by card from a till, search, lost-card replacement, blocking."""

from tests.integration.membership.conftest import account


def test_enrolment_issues_a_chain_card_and_a_till_can_look_it_up(client, desk, enrol, till):
    member_id, card = enrol(phone="+44 20 7946 0958", email="Ada@Example.org", points=1200)
    assert card.startswith("27") and len(card) == 13
    looked_up = till.request("GET", f"/api/v1/cards/{card}")
    assert looked_up.status_code == 200, looked_up.json
    assert looked_up.json["member"]["id"] == member_id
    assert looked_up.json["account"]["balance"] == 1200 and looked_up.json["account"]["available"] == 1200
    assert looked_up.json["member"]["tier"] == "basic"
    profile = client.get(f"/api/v1/members/{member_id}", headers=desk).json
    assert profile["phone"] == "+442079460958"
    assert profile["email"] == "Ada@example.org"  # the domain is case-free; the local part is kept


def test_a_bad_card_number_is_422_and_an_unknown_one_404(client, desk, enrol):
    enrol()
    wrong_check = client.get("/api/v1/cards/2700000000008", headers=desk)
    assert wrong_check.status_code == 422 and "check digit" in wrong_check.json["detail"]
    unknown = client.get("/api/v1/cards/2700000001233", headers=desk)
    assert unknown.status_code == 404


def test_an_invalid_email_is_refused_and_nothing_is_created(client, desk):
    response = client.post("/api/v1/members", json={"name": "Bob", "email": "not-an-email"}, headers=desk)
    assert response.status_code == 422
    assert client.get("/api/v1/members?q=Bob", headers=desk).json["items"] == []


def test_search_by_card_phone_email_and_name_fragment_paginates(client, desk, enrol):
    ada_id, ada_card = enrol("Ada Lovelace", phone="+442079460958", email="ada@example.org")
    for n in range(3):
        enrol(f"Grace Hopper {n}")
    for query in (ada_card, "+442079460958", "ada@example.org", "lovel"):
        found = client.get(f"/api/v1/members?q={query.replace('+', '%2B')}", headers=desk).json["items"]
        assert [m["id"] for m in found] == [ada_id], query
    first = client.get("/api/v1/members?q=hopper&limit=2", headers=desk).json
    second = client.get(f"/api/v1/members?q=hopper&limit=2&cursor={first['next_cursor']}", headers=desk).json
    names = [m["name"] for m in first["items"] + second["items"]]
    assert sorted(names) == ["Grace Hopper 0", "Grace Hopper 1", "Grace Hopper 2"]
    assert second["next_cursor"] is None


def test_replacing_a_lost_card_keeps_the_balance_and_retires_the_old_number(client, desk, enrol, till):
    _, old = enrol(points=800)
    lost = client.post(f"/api/v1/cards/{old}/state", json={"state": "lost", "reason": "lost in the bus"},
                       headers=desk)
    assert lost.status_code == 200 and lost.json["state"] == "lost"
    new = client.post(f"/api/v1/cards/{old}/replace", json={"reason": "customer asked"}, headers=desk)
    assert new.status_code == 201
    new_number = new.json["number"]
    assert till.request("GET", f"/api/v1/cards/{new_number}").json["account"]["balance"] == 800
    old_card = till.request("GET", f"/api/v1/cards/{old}").json["card"]
    assert old_card["state"] == "replaced" and old_card["replaced_by"] == new_number
    refused = till.sale([{"line_id": "1", "qty": 1, "paid_minor": 500}], card=old)
    assert refused.status_code == 422 and refused.json["reason"] == "card-not-usable"
    again = client.post(f"/api/v1/cards/{old}/replace", json={"reason": "twice"}, headers=desk)
    assert again.status_code == 409


def test_blocking_and_replacing_a_card_are_audited_from_the_domains_events(client, desk, enrol, services):
    from sqlalchemy import select

    from server.models import AuditRecord

    member_id, old = enrol()
    client.post(f"/api/v1/cards/{old}/state", json={"state": "blocked", "reason": "suspected fraud"}, headers=desk)
    new = client.post(f"/api/v1/cards/{old}/replace", json={"reason": "cleared, new card"}, headers=desk).json
    with services.db.session() as session:
        records = session.scalars(select(AuditRecord).where(AuditRecord.action.in_(["card.blocked", "card.replaced"]))
                                  .order_by(AuditRecord.at, AuditRecord.action)).all()
        seen = [(r.action, r.target, r.reason, r.details) for r in records]
    assert seen == [
        ("card.blocked", old, "suspected fraud", {"from_state": "active", "member_id": member_id}),
        ("card.replaced", old, "cleared, new card", {"new_number": new["number"], "member_id": member_id}),
    ]


def test_a_cashier_may_enrol_but_not_adjust_points(client, services, enrol):
    from tests.support.factories import login, make_staff

    make_staff(services, "carl", "cashier")
    cashier = login(client, "carl")
    created = client.post("/api/v1/members", json={"name": "New Member"}, headers=cashier)
    assert created.status_code == 201
    denied = client.post(f"/api/v1/members/{created.json['id']}/adjustments", headers=cashier,
                         json={"id": "adj-000001", "points": 100, "reason": "why not"})
    assert denied.status_code == 403


def test_adjustments_need_a_reason_are_applied_once_and_audited(client, desk, enrol, services):
    member_id, _ = enrol()
    body = {"id": "adj-2026-0001", "points": 250, "reason": "goodwill after complaint #42"}
    assert client.post(f"/api/v1/members/{member_id}/adjustments", json=body, headers=desk).json == {"balance": 250}
    assert client.post(f"/api/v1/members/{member_id}/adjustments", json=body, headers=desk).json == {"balance": 250}
    blank = client.post(f"/api/v1/members/{member_id}/adjustments", headers=desk,
                        json={**body, "id": "adj-2026-0002", "reason": "  "})
    assert blank.status_code == 422
    assert account(client, desk, member_id)["balance"] == 250
    audit = services.db.session
    from sqlalchemy import select

    from server.models import AuditRecord

    with audit() as session:
        reasons = session.scalars(select(AuditRecord.reason).where(AuditRecord.action == "points.adjusted")).all()
    assert reasons == ["goodwill after complaint #42"]


def test_two_members_may_get_adjustments_with_the_same_client_id(client, desk, enrol):
    first, _ = enrol("First Member")
    second, _ = enrol("Second Member")
    for member_id in (first, second):
        response = client.post(f"/api/v1/members/{member_id}/adjustments", headers=desk,
                               json={"id": "goodwill-1", "points": 300, "reason": "store closed early"})
        assert response.status_code == 201, response.json
    assert account(client, desk, first)["balance"] == account(client, desk, second)["balance"] == 300
