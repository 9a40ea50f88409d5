"""The loyalty programme as versioned data through the API: read by any staff role, changed by admin
or marketing, nonsense refused with field errors, audited, published to tills, and applied by
posting with the version in force at a sale's time (or the one an offline till had)."""

import copy
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from server.models import AuditRecord, ChangeRecord, LedgerEntry, ReconciliationException, TierChange
from tests.integration.agent.live import LiveServer
from tests.integration.membership.conftest import account
from tests.support.concurrency import concurrently
from tests.support.factories import login, make_staff
from tests.support.tills import line

V1 = {
    "earning": {"points": 1, "per_amount_minor": 100, "unit_points": {}, "excluded_products": [],
                "excluded_categories": ["gift-cards", "tobacco"], "category_multipliers": {}, "basis": "after_points"},
    "redemption": {"point_value": {"points": 100, "minor": 100}, "block_points": 100, "minimum_points": 500,
                   "max_share": "1/2", "combinable_tenders": ["card", "cash", "voucher"]},
    "tiers": {"basis": "spend", "window_days": 365, "review_months": 3, "crossing_sale_earns_new_tier": False,
              "levels": [{"name": "basic", "threshold": 0, "multiplier": "1", "benefits": []},
                         {"name": "silver", "threshold": 50000, "multiplier": "5/4", "benefits": []},
                         {"name": "gold", "threshold": 150000, "multiplier": "3/2", "benefits": []}]},
    "expiry": {"unit": "months", "after": 12, "month_end": True, "time_zone": "UTC"},
    "offline": {"cap_points": 2000, "window_hours": 24, "hold_ttl_seconds": 900, "max_data_age_hours": 12},
}


def body(**changes) -> dict:
    """Version 1's body with ``section={field: value}`` changes."""
    made = copy.deepcopy(V1)
    for section, fields in changes.items():
        made[section].update(fields)
    return made


@pytest.fixture
def staff(client, services):
    tokens = {}

    def token(role):
        if role not in tokens:
            make_staff(services, f"user-{role}", role)
            tokens[role] = login(client, f"user-{role}")
        return tokens[role]
    return token


def publish(client, headers, programme, effective_from=None):
    payload = {"programme": programme}
    if effective_from is not None:
        payload["effective_from"] = effective_from.isoformat()
    return client.post("/api/v1/programme/versions", json=payload, headers=headers)


@pytest.mark.parametrize("role", ["cashier", "member_service", "hq", "marketing", "admin"])
def test_every_staff_role_reads_the_programme_and_version_1_holds_the_present_values(client, staff, role):
    response = client.get("/api/v1/programme", headers=staff(role))
    assert response.status_code == 200, response.json
    assert response.json["current"]["number"] == 1
    assert response.json["current"]["programme"] == V1
    assert [v["number"] for v in response.json["versions"]] == [1]
    one = client.get("/api/v1/programme/versions/1", headers=staff("cashier" if role != "cashier" else "hq"))
    assert one.status_code == 200 and one.json["programme"] == V1


@pytest.mark.parametrize("role", ["cashier", "member_service", "hq"])
def test_only_admin_or_marketing_may_add_a_version(client, staff, role):
    response = publish(client, staff(role), body(earning={"points": 2}))
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["marketing", "admin"])
def test_a_new_version_is_201_audited_and_published_to_tills_with_its_effective_time(client, staff, services,
                                                                                   clock, role):
    effective = clock() + timedelta(hours=1)
    response = publish(client, staff(role), body(earning={"points": 2}), effective)
    assert response.status_code == 201, response.json
    assert (response.json["number"], response.json["created_by"]) == (2, f"user-{role}")
    assert response.json["effective_from"] == effective.isoformat()
    with services.db.session() as session:
        audit = session.scalars(select(AuditRecord).where(AuditRecord.action == "programme.version.create")).one()
        assert (audit.actor, audit.target) == (f"user-{role}", "2")
        feed = session.scalars(select(ChangeRecord.payload).where(ChangeRecord.entity_type == "program")
                               .order_by(ChangeRecord.order_key.desc())).first()
    assert [(v["number"], v["effective_from"]) for v in feed["versions"]] == [
        (1, "2000-01-01T00:00:00+00:00"), (2, effective.isoformat())]
    assert feed["versions"][1]["programme"]["earning"]["points"] == 2
    # Until it takes effect, version 1 stays the current one.
    assert client.get("/api/v1/programme", headers=staff("hq")).json["current"]["number"] == 1
    clock.advance(hours=1)
    services.programmes.forget()
    assert client.get("/api/v1/programme", headers=staff("hq")).json["current"]["number"] == 2


@pytest.mark.parametrize(("programme", "field"), [
    (body(earning={"points": -1}), "programme.earning.points"),
    (body(earning={"per_amount_minor": 0}), "programme.earning.per_amount_minor"),
    (body(earning={"basis": "before_tax"}), "programme.earning.basis"),
    (body(earning={"unit_points": {"COFFEE": 0}}), "programme.earning.unit_points.COFFEE"),
    (body(redemption={"max_share": "3/2"}), "programme.redemption.max_share"),
    (body(redemption={"max_share": "0.5"}), "programme.redemption.max_share"),
    (body(redemption={"point_value": {"points": 3, "minor": 1}, "block_points": 100}),
     "programme.redemption.block_points"),
    (body(redemption={"minimum_points": 550}), "programme.redemption.minimum_points"),
    (body(tiers={"levels": [{"name": "basic", "threshold": 100, "multiplier": "1", "benefits": []}]}),
     "programme.tiers.levels"),
    (body(tiers={"levels": [{"name": "basic", "threshold": 0, "multiplier": "1", "benefits": []},
                            {"name": "basic", "threshold": 10, "multiplier": "2", "benefits": []}]}),
     "programme.tiers.levels"),
    (body(tiers={"review_months": 5}), "programme.tiers.review_months"),
    (body(expiry={"time_zone": "Mars/Olympus"}), "programme.expiry.time_zone"),
    (body(expiry={"after": 0}), "programme.expiry.after"),
    (body(offline={"hold_ttl_seconds": 5}), "programme.offline.hold_ttl_seconds"),
])
def test_nonsense_is_a_422_problem_naming_the_field_and_nothing_is_stored(client, staff, programme, field):
    headers = staff("marketing")
    response = publish(client, headers, programme)
    assert response.status_code == 422, response.json
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.json["errors"], response.json
    assert [v["number"] for v in client.get("/api/v1/programme", headers=headers).json["versions"]] == [1]


@pytest.mark.parametrize(("programme", "field"), [
    (body(earning={"points": 1.5}), "programme.earning.points"),
    ({k: v for k, v in V1.items() if k != "tiers"}, "programme.tiers"),
    ({**V1, "bonus": {}}, "programme.bonus"),
])
def test_a_body_of_the_wrong_shape_is_a_400_problem_naming_the_field(client, staff, programme, field):
    response = publish(client, staff("marketing"), programme)
    assert response.status_code == 400
    assert field in response.json["errors"], response.json


def test_a_version_cannot_take_effect_in_the_past(client, staff, clock):
    response = publish(client, staff("marketing"), body(), clock() - timedelta(minutes=1))
    assert response.status_code == 422
    assert "effective_from" in response.json["errors"]


def test_an_unknown_version_is_404(client, staff):
    assert client.get("/api/v1/programme/versions/7", headers=staff("hq")).status_code == 404
    assert client.get("/api/v1/programme/versions/99999999999999999999", headers=staff("hq")).status_code == 404


def test_sales_earn_by_the_version_in_force_at_their_time_and_an_offline_one_by_its_tills(
        client, staff, enrol, till, clock, desk):
    member_id, card = enrol()
    effective = clock() + timedelta(hours=1)
    assert publish(client, staff("marketing"), body(earning={"points": 2}), effective).status_code == 201
    before = till.sale([line("1", 1250)], card=card, points_earned=12)
    assert (before.json["points_earned"], before.json["programme_version"]) == (12, 1)
    clock.advance(hours=1)
    after = till.sale([line("2", 1250)], card=card, points_earned=25)
    assert (after.json["points_earned"], after.json["programme_version"]) == (25, 2)
    # An offline till that had only version 1 when it sold (after the effective time) names it.
    offline = till.sale([line("3", 1250)], card=card, offline=True, programme_version=1, points_earned=12)
    assert (offline.json["points_earned"], offline.json["programme_version"]) == (12, 1)
    assert "points-earned-differs" not in offline.json["exceptions"]
    assert account(client, desk, member_id)["balance"] == 12 + 25 + 12


def test_an_offline_sale_naming_a_version_the_server_lacks_is_checked_with_the_one_in_force(
        client, enrol, till, services):
    _, card = enrol()
    response = till.sale([line("1", 1000)], card=card, offline=True, programme_version=9, points_earned=10)
    assert response.json["points_earned"] == 10
    assert "unknown-programme-version" in response.json["exceptions"]


def test_a_new_version_never_rewrites_existing_lots_or_their_expiry(client, staff, enrol, till, clock, services):
    _, card = enrol()
    till.sale([line("1", 5000)], card=card)
    assert publish(client, staff("marketing"), body(expiry={"unit": "days", "after": 30, "month_end": False})
                   ).status_code == 201
    till.sale([line("2", 5000)], card=card)
    with services.db.session() as session:
        lots = session.execute(select(LedgerEntry.source_id, LedgerEntry.expires_at).where(
            LedgerEntry.kind == "earn").order_by(LedgerEntry.at, LedgerEntry.source_id)).all()
    # Sold 14 March 2026 09:30 UTC: version 1 (12 months, to month end) -> gone from 1 April 2027;
    # version 2 (30 days, no rounding) -> gone from 13 April 2026 09:30.
    assert sorted(expires.isoformat() for _, expires in lots) == [
        "2026-04-13T09:30:00+00:00", "2027-04-01T00:00:00+00:00"]


def test_a_sale_crossing_a_tier_earns_at_the_new_tier_without_an_exception_when_the_programme_says_so(
        client, staff, enrol, till, clock, services, desk):
    member_id, card = enrol()
    crossing = body(tiers={"crossing_sale_earns_new_tier": True})
    assert publish(client, staff("marketing"), crossing).status_code == 201
    # 480.00 spent: still basic (SKU-n are no products of the server's: they earn on at most 100.00).
    first = till.sale([line("1", 48000)], card=card, points_earned=100)
    assert first.json["points_earned"] == 100
    # 30.00 more crosses silver (500.00): the till shows basic's 30 points, silver earns 37 (30 x 5/4).
    response = till.sale([line("2", 3000)], card=card, points_earned=30)
    assert response.status_code == 201, response.json
    assert response.json["points_earned"] == 37
    assert response.json["tier_crossed"] == {"from": "basic", "to": "silver", "points_at_old_tier": 30}
    assert response.json["exceptions"] == ["unknown-items"]  # SKU-n are no products of the server's
    assert account(client, desk, member_id)["balance"] == 100 + 37
    with services.db.session() as session:
        assert session.scalars(select(TierChange.to_tier)).all() == ["silver"]
        kinds = session.scalars(select(ReconciliationException.kind)).all()
    assert "points-earned-differs" not in kinds


def test_without_the_crossing_rule_a_crossing_sale_earns_at_the_old_tier(client, enrol, till):
    _, card = enrol()
    till.sale([line("1", 48000)], card=card)
    response = till.sale([line("2", 3000)], card=card, points_earned=30)
    assert response.json["points_earned"] == 30 and "tier_crossed" not in response.json


def test_points_beside_a_tender_the_version_does_not_combine_them_with_are_refused_online_and_flagged_offline(
        client, staff, enrol, till):
    _, card = enrol(points=3000)
    assert publish(client, staff("marketing"), body(redemption={"combinable_tenders": ["cash"]})).status_code == 201
    tenders = [{"kind": "points", "amount_minor": 1000, "points": 1000}, {"kind": "card", "amount_minor": 3000}]
    online = till.sale([line("1", 4000)], card=card, tenders=tenders)
    assert online.status_code == 422
    assert online.json["reason"] == "tenders-not-combinable"
    offline = till.sale([line("1", 4000)], card=card, tenders=tenders, offline=True)
    assert offline.status_code == 201
    assert "tenders-not-combinable" in offline.json["exceptions"]
    with_cash = till.sale([line("1", 4000)], card=card, offline=True,
                          tenders=[tenders[0], {"kind": "cash", "amount_minor": 3000}])
    assert "tenders-not-combinable" not in with_cash.json["exceptions"]


def test_versions_added_at_the_same_moment_each_get_their_own_number(client, staff, services):
    headers = staff("marketing")
    server = LiveServer(services)
    server.start()
    try:
        responses = concurrently([lambda n=n: requests.post(
            f"{server.url}/api/v1/programme/versions", headers=headers, timeout=60,
            json={"programme": body(earning={"points": n})}) for n in range(2, 8)])
    finally:
        server.stop()
    assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == [2, 3, 4, 5, 6, 7]
    shown = client.get("/api/v1/programme", headers=headers).json
    assert {v["number"]: v["programme"]["earning"]["points"] for v in shown["versions"]} == {
        1: 1, **{r.json()["number"]: r.json()["programme"]["earning"]["points"] for r in responses}}
