"""Revoking a partner's key (API and CLI): audited, admin only, refused at once by every worker."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.app import create_app
from server.models import AuditRecord
from server.services import Services
from tests.integration.member_page.pages import join
from tests.support.factories import login, make_staff
from tests.support.processes import onecard_env, run_onecard

KEY = "X-OneCard-Partner-Key"
TERMS = {"points_per_unit": 1, "unit_minor": 100, "issue_price_per_100": 80, "redeem_value_per_100": 100}


@pytest.fixture
def admin(client, services):
    make_staff(services, "root", "admin")
    return login(client, "root")


@pytest.fixture
def other_worker(settings, clock):
    """Another server process: its own services and app over the same database."""
    built = Services.build(settings, clock=clock)
    yield create_app(services=built).test_client()
    built.dispose()


def _new_key(client, admin, scopes=("earn",)) -> tuple[str, str]:
    issued = client.post("/api/v1/partners/CINEMA/keys", headers=admin, json={"scopes": list(scopes)})
    assert issued.status_code == 201, issued.json
    return issued.json["key_id"], issued.json["key"]


def _earn(client, key, card):
    return client.post("/api/v1/partner/earn", headers={KEY: key},
                       json={"reference": str(uuid.uuid4()), "card_number": card, "amount_minor": 1000})


def _audit(services, action):
    with services.db.session() as session:
        return session.execute(select(AuditRecord.actor, AuditRecord.target, AuditRecord.reason, AuditRecord.details)
                               .where(AuditRecord.action == action)).all()


def test_a_revoked_key_is_refused_by_every_worker_at_once_and_the_partners_other_key_still_works(
        client, other_worker, admin, desk, services):
    _, card = join(client, desk)
    assert client.post("/api/v1/partners", headers=admin, json={"code": "CINEMA", "name": "Odeon", **TERMS}
                       ).status_code == 201
    leaked_id, leaked = _new_key(client, admin)
    _, spare = _new_key(client, admin)
    assert _earn(other_worker, leaked, card).status_code == 201  # the other worker has used the key

    revoked = client.post(f"/api/v1/partners/CINEMA/keys/{leaked_id}/revoke", headers=admin,
                          json={"reason": "key leaked"})
    assert revoked.status_code == 200, revoked.json
    assert revoked.json["key_id"] == leaked_id and revoked.json["revoked_at"] is not None
    for worker in (client, other_worker):
        assert _earn(worker, leaked, card).status_code == 401
        assert _earn(worker, spare, card).status_code == 201
    keys = client.get("/api/v1/partners/CINEMA/keys", headers=admin).json
    assert [(k["key_id"] == leaked_id, k["revoked_at"] is not None) for k in keys] == [(False, False), (True, True)]
    assert all("key" not in k and "secret_hash" not in k for k in keys)
    assert _audit(services, "partner.key_revoked") == [("root", "CINEMA", "key leaked", {"key_id": leaked_id})]

    again = client.post(f"/api/v1/partners/CINEMA/keys/{leaked_id}/revoke", headers=admin, json={})
    assert again.status_code == 409 and "already revoked" in again.json["detail"]
    assert client.post("/api/v1/partners/CINEMA/keys/pk_0000000000000000/revoke", headers=admin,
                       json={}).status_code == 404
    make_staff(services, "hana", "hq")
    hq = login(client, "hana")
    assert client.post(f"/api/v1/partners/CINEMA/keys/{leaked_id}/revoke", headers=hq, json={}).status_code == 403
    assert client.get("/api/v1/partners", headers=hq).status_code == 403
    assert [p["code"] for p in client.get("/api/v1/partners", headers=admin).json] == ["CINEMA"]


def test_the_cli_revokes_a_partner_key(client, admin, desk, services, tmp_path, database_url):
    _, card = join(client, desk)
    client.post("/api/v1/partners", headers=admin, json={"code": "CINEMA", "name": "Odeon", **TERMS})
    key_id, key = _new_key(client, admin)
    env = onecard_env(data_dir=str(tmp_path), database_url=database_url)
    done = run_onecard("partners", "revoke-key", "--partner", "CINEMA", "--key", key_id, "--reason", "contract ended",
                       env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"revoked key {key_id} of partner 'CINEMA' at ")
    assert _earn(client, key, card).status_code == 401
    assert _audit(services, "partner.key_revoked") == [("cli", "CINEMA", "contract ended", {"key_id": key_id})]
    again = run_onecard("partners", "revoke-key", "--partner", "CINEMA", "--key", key_id, env=env)
    assert again.returncode == 1 and "already revoked" in again.stderr
