"""Signed terminal requests: valid, stale, replayed, tampered, wrong store, unknown key — each audited."""

import json

import pytest
from sqlalchemy import select

from server.models import AuditRecord, Terminal
from store_sync.signing import TerminalCredential, sign_request
from tests.support.factories import make_terminal

PATH = "/api/v1/terminals/heartbeat"


@pytest.fixture
def credential(services):
    return make_terminal(services, "B2", "T1")


def _post(client, credential, body: dict, clock, *, nonce=None, sent_at=None, tamper=None):
    raw = json.dumps(body).encode()
    timestamp = int((sent_at or clock()).timestamp())
    headers = sign_request(credential, "POST", PATH, raw, timestamp, nonce=nonce)
    return client.post(PATH, data=tamper or raw, headers=headers, content_type="application/json")


def _rejections(services):
    with services.db.session() as session:
        return session.scalars(select(AuditRecord.reason).where(
            AuditRecord.action == "terminal.request_rejected")).all()


BODY = {"store": "B2", "terminal": "T1", "agent_version": "0.1.0"}


def test_a_valid_signed_request_is_accepted_and_recorded_as_seen(client, services, clock, credential):
    response = _post(client, credential, BODY, clock)
    assert response.status_code == 200, response.json
    assert response.json["terminal"] == "T1"
    with services.db.session() as session:
        terminal = session.scalar(select(Terminal).where(Terminal.key_id == credential.key_id))
    assert terminal.last_seen_at == clock() and terminal.agent_version == "0.1.0"
    assert _rejections(services) == []


def test_a_request_sent_more_than_300_seconds_ago_is_stale(client, services, clock, credential):
    from datetime import timedelta

    response = _post(client, credential, BODY, clock, sent_at=clock() - timedelta(seconds=301))
    assert response.status_code == 401 and response.json["reason"] == "stale"
    assert _rejections(services) == ["stale"]


def test_a_replayed_nonce_is_refused(client, services, clock, credential):
    assert _post(client, credential, BODY, clock, nonce="a" * 32).status_code == 200
    replay = _post(client, credential, BODY, clock, nonce="a" * 32)
    assert replay.status_code == 401 and replay.json["reason"] == "replayed"
    assert _rejections(services) == ["replayed"]


def test_a_tampered_body_is_refused(client, services, clock, credential):
    forged = json.dumps({**BODY, "agent_version": "evil"}).encode()
    response = _post(client, credential, BODY, clock, tamper=forged)
    assert response.status_code == 401 and response.json["reason"] == "bad-signature"
    assert _rejections(services) == ["bad-signature"]


def test_a_terminal_acting_for_another_store_is_403(client, services, clock, credential):
    make_terminal(services, "K7", "T1")
    response = _post(client, credential, {**BODY, "store": "K7"}, clock)
    assert response.status_code == 403 and response.json["reason"] == "wrong-store"
    assert _rejections(services) == ["wrong-store"]


def test_an_unknown_key_is_refused(client, services, clock, credential):
    stranger = TerminalCredential.generate()
    response = _post(client, stranger, BODY, clock)
    assert response.status_code == 401 and response.json["reason"] == "unknown-key"
    assert _rejections(services) == ["unknown-key"]


def test_an_unsigned_request_is_refused(client, services):
    response = client.post(PATH, json=BODY)
    assert response.status_code == 401 and response.json["reason"] == "missing-headers"
    assert _rejections(services) == ["missing-headers"]


def test_a_forged_request_does_not_burn_the_real_terminals_nonce(client, services, clock, credential):
    stolen_key_id = credential.key_id
    forger = TerminalCredential(stolen_key_id, TerminalCredential.generate().private_key)
    assert _post(client, forger, BODY, clock, nonce="b" * 32).status_code == 401
    assert _post(client, credential, BODY, clock, nonce="b" * 32).status_code == 200
