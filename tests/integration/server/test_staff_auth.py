"""Staff login: tokens with expiry and roles, wrong passwords, throttling, role denial."""

import pytest
from sqlalchemy import select

from server.models import AuditRecord
from tests.support.factories import PASSWORD, login, make_staff

SYNC_HEALTH = "/api/v1/reports/sync-health"  # a report: hq may read it


def test_login_returns_a_bearer_token_with_role_and_expiry(client, services, clock):
    make_staff(services, "mia", "hq")
    response = client.post("/api/v1/auth/token", json={"username": "mia", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and body["role"] == "hq"
    assert body["expires_at"] == "2026-03-14T17:30:00+00:00"  # 8 h after the clock's 09:30 UTC
    health = client.get(SYNC_HEALTH, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert health.status_code == 200 and health.json == {"terminals": []}


def test_a_token_stops_working_when_it_expires(client, services, clock):
    make_staff(services, "mia", "hq")
    headers = login(client, "mia")
    clock.advance(hours=8, seconds=-1)
    assert client.get(SYNC_HEALTH, headers=headers).status_code == 200
    clock.advance(seconds=2)
    response = client.get(SYNC_HEALTH, headers=headers)
    assert response.status_code == 401
    assert response.json["type"].endswith("/token-expired")


def test_a_wrong_password_or_unknown_user_is_401_and_audited(client, services):
    make_staff(services, "mia", "hq")
    wrong = client.post("/api/v1/auth/token", json={"username": "mia", "password": "not it at all"})
    unknown = client.post("/api/v1/auth/token", json={"username": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["detail"] == unknown.json["detail"]  # no hint which usernames exist
    with services.db.session() as session:
        actions = session.scalars(select(AuditRecord.target).where(
            AuditRecord.action == "staff.login_failed")).all()
    assert sorted(actions) == ["mia", "nobody"]


def test_repeated_failures_lock_the_user_out_even_with_the_right_password(client, services, clock):
    make_staff(services, "mia", "hq")
    for _ in range(3):  # the test settings allow 3 failures per 600 s
        client.post("/api/v1/auth/token", json={"username": "mia", "password": "guess guess"})
    locked = client.post("/api/v1/auth/token", json={"username": "mia", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "600"
    clock.advance(seconds=601)
    assert client.post("/api/v1/auth/token",
                       json={"username": "mia", "password": PASSWORD}).status_code == 200


def test_a_role_without_the_right_is_403(client, services):
    make_staff(services, "carl", "cashier")
    make_staff(services, "hana", "hq")
    cashier, hq = login(client, "carl"), login(client, "hana")
    assert client.get("/api/v1/stores", headers=cashier).status_code == 403
    assert client.get(SYNC_HEALTH, headers=cashier).status_code == 403
    new_store = {"code": "B2", "name": "Bonn", "timezone": "Europe/Berlin"}
    denied = client.post("/api/v1/stores", json=new_store, headers=hq)
    assert denied.status_code == 403 and "admin" in denied.json["detail"]


def test_admin_may_create_stores_and_terminals_and_the_credential_is_shown_once(client, services):
    make_staff(services, "root", "admin")
    headers = login(client, "root")
    created = client.post("/api/v1/stores", json={"code": "B2", "name": "Bonn",
                                                  "timezone": "Europe/Berlin"}, headers=headers)
    assert created.status_code == 201
    terminal = client.post("/api/v1/stores/B2/terminals", json={"code": "T1"}, headers=headers)
    assert terminal.status_code == 201 and terminal.json["credential"].startswith("oc1.")
    listed = client.get("/api/v1/stores/B2/terminals", headers=headers).json
    assert listed[0]["code"] == "T1" and "credential" not in listed[0]


@pytest.mark.parametrize("zone", ["Mars/Base", "America", "../../etc/passwd"])
def test_an_invalid_time_zone_is_422(client, services, zone):
    # "America" is a directory of the zone database, not a zone: ZoneInfo raises an OSError for it.
    make_staff(services, "root", "admin")
    response = client.post("/api/v1/stores", json={"code": "X", "name": "X", "timezone": zone},
                           headers=login(client, "root"))
    assert response.status_code == 422 and "IANA" in response.json["detail"]
