"""Revoking a terminal and disabling a staff user: by API or CLI, audited, refused on the next request."""

import json

import pytest
from sqlalchemy import select

from server.audit import Actor
from server.exceptions import Conflict
from server.models import AuditRecord, Terminal
from server.staff import disable_staff_user
from store_sync.signing import sign_request
from tests.support.factories import PASSWORD, login, make_staff, make_terminal
from tests.support.processes import onecard_env, run_onecard

HEARTBEAT = "/api/v1/terminals/heartbeat"
BODY = {"store": "B2", "terminal": "T1", "agent_version": "0.1.0"}


def _heartbeat(client, credential, clock):
    raw = json.dumps(BODY).encode()
    headers = sign_request(credential, "POST", HEARTBEAT, raw, int(clock().timestamp()))
    return client.post(HEARTBEAT, data=raw, headers=headers, content_type="application/json")


def _audit(services, action):
    with services.db.session() as session:
        return session.execute(select(AuditRecord.actor, AuditRecord.target, AuditRecord.reason)
                               .where(AuditRecord.action == action)).all()


def test_a_revoked_till_is_refused_on_its_next_request_with_reason_revoked(client, services, clock):
    credential = make_terminal(services, "B2", "T1")
    make_staff(services, "root", "admin")
    assert _heartbeat(client, credential, clock).status_code == 200
    revoked = client.post("/api/v1/stores/B2/terminals/T1/revoke", json={"reason": "till stolen"},
                          headers=login(client, "root"))
    assert revoked.status_code == 200, revoked.json
    assert revoked.json["active"] is False and revoked.json["revoked_at"] == "2026-03-14T09:30:00+00:00"
    refused = _heartbeat(client, credential, clock)
    assert refused.status_code == 401 and refused.json["reason"] == "revoked"
    assert _audit(services, "terminal.revoked") == [("root", "B2/T1", "till stolen")]
    # A known key's rejection is its own record, naming the terminal's key.
    assert _audit(services, "terminal.request_rejected") == [(credential.key_id, f"POST {HEARTBEAT}", "revoked")]


def test_revoking_twice_is_a_conflict_and_only_an_admin_may_revoke(client, services):
    make_terminal(services, "B2", "T1")
    make_staff(services, "root", "admin")
    make_staff(services, "hana", "hq")
    denied = client.post("/api/v1/stores/B2/terminals/T1/revoke", json={}, headers=login(client, "hana"))
    assert denied.status_code == 403
    admin = login(client, "root")
    assert client.post("/api/v1/stores/B2/terminals/T1/revoke", json={}, headers=admin).status_code == 200
    again = client.post("/api/v1/stores/B2/terminals/T1/revoke", json={}, headers=admin)
    assert again.status_code == 409 and "already revoked" in again.json["detail"]
    unknown = client.post("/api/v1/stores/B2/terminals/T9/revoke", json={}, headers=admin)
    assert unknown.status_code == 404


def test_a_disabled_staff_user_loses_their_token_at_once_and_cannot_log_in(client, services):
    make_staff(services, "root", "admin")
    make_staff(services, "mia", "member_service")
    mia = login(client, "mia")
    assert client.get("/api/v1/members?q=ada", headers=mia).status_code == 200
    disabled = client.post("/api/v1/users/mia/disable", json={"reason": "left the company"},
                           headers=login(client, "root"))
    assert disabled.status_code == 200 and disabled.json["active"] is False
    assert client.get("/api/v1/members?q=ada", headers=mia).status_code == 401
    again = client.post("/api/v1/auth/token", json={"username": "mia", "password": PASSWORD})
    assert again.status_code == 401
    assert _audit(services, "staff.disabled") == [("root", "mia", "left the company")]


def test_an_admin_cannot_disable_their_own_account_nor_may_others_disable_anyone(client, services):
    make_staff(services, "root", "admin")
    make_staff(services, "hana", "hq")
    own = client.post("/api/v1/users/root/disable", json={}, headers=login(client, "root"))
    assert own.status_code == 409
    assert client.post("/api/v1/users/root/disable", json={}, headers=login(client, "hana")).status_code == 403
    assert client.get("/api/v1/stores", headers=login(client, "root")).status_code == 200


def test_the_staff_service_refuses_a_user_disabling_themselves_but_not_the_system(services):
    make_staff(services, "root", "admin")
    with services.db.session() as session:
        with pytest.raises(Conflict, match="cannot disable their own account"):
            disable_staff_user(session, "ROOT ", services.clock(), Actor.staff("root"))
        assert not disable_staff_user(session, "root", services.clock(), Actor.system("cli")).active


def test_the_cli_revokes_a_terminal_and_disables_a_user(client, services, clock, tmp_path, database_url):
    env = onecard_env(data_dir=str(tmp_path), database_url=database_url)
    credential = make_terminal(services, "B2", "T1")
    make_staff(services, "mia", "hq")
    token = login(client, "mia")
    revoked = run_onecard("terminals", "revoke", "--store", "B2", "--terminal", "T1", "--reason", "till stolen",
                          env=env)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.startswith(f"revoked terminal 'T1' of store 'B2' (key {credential.key_id})")
    disabled = run_onecard("users", "disable", "--username", "mia", env=env)
    assert disabled.returncode == 0 and "disabled hq user 'mia'" in disabled.stdout
    assert _heartbeat(client, credential, clock).json["reason"] == "revoked"
    assert client.get("/api/v1/reports/sync-health", headers=token).status_code == 401
    assert _audit(services, "terminal.revoked") == [("cli", "B2/T1", "till stolen")]
    assert _audit(services, "staff.disabled") == [("cli", "mia", None)]
    with services.db.session() as session:
        assert session.scalar(select(Terminal.active)) is False
    again = run_onecard("terminals", "revoke", "--store", "B2", "--terminal", "T1", env=env)
    assert again.returncode == 1 and "already revoked" in again.stderr
