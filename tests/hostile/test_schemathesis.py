"""Schemathesis against the real server: no 5xx, and every answer is one the OpenAPI document declares.

A real ``onecard server`` (gunicorn) runs on its own fresh PostgreSQL database holding a staff
admin, a store with a terminal, a product, and a member with a card. Schemathesis loads the live
``/api/v1/openapi.json`` and, for every operation, sends requests generated from the document
(valid ones and ones that break it), staff calls with a bearer token and terminal calls signed
with the terminal's Ed25519 key (store_sync.signing), then checks each response: not a server
error, a declared status, a declared content type, a body matching the declared schema, and the
declared headers. Operations on a path id are called once more on the seeded records. Generation
is deterministic and bounded (examples per operation, no shrinking, a time budget), so CI
repeats the same run of a few minutes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

from server.pricing.products import upsert_products
from server.services import Services
from server.settings import Settings
from store_sync.signing import TerminalCredential, read_signed_headers, sign_request, verify_signature
from tests.support.databases import PostgresTestDatabase
from tests.support.factories import PASSWORD, make_staff, make_terminal, seed_member
from tests.support.processes import REPO, onecard_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECRET = "schemathesis-secret-key-that-is-long-enough-for-onecard"
STAFF = "fuzz-admin"
STORE, TERMINAL, SKU = "S001", "T1", "COFFEE"
EXAMPLES_PER_OPERATION = 15  # per operation and per mode (valid requests, requests that break the document)
TIME_BUDGET = 210.0  # seconds of requests; operations not reached by then make the test fail
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
START_TIMEOUT = 60.0


class TerminalSignature(requests.auth.AuthBase):
    """Sign the request exactly as it goes on the wire: method, path and query, body, now, a fresh nonce."""

    def __init__(self, credential: TerminalCredential) -> None:
        self.credential = credential

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        request.headers.update(sign_request(self.credential, request.method, request.path_url, body,
                                            int(time.time())))
        return request


class BearerToken(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Live:
    url: str
    credential: TerminalCredential
    known: dict[str, str]  # path parameter -> a value the server holds
    log_path: Path


def _seed(database_url: str, data_dir: Path) -> tuple[TerminalCredential, dict[str, str]]:
    """A staff admin, a store with a terminal, a product, and a member with a card and 1,200 points."""
    services = Services.build(Settings.from_values({"data_dir": str(data_dir), "secret_key": SECRET,
                                                    "database_url": database_url}))
    try:
        make_staff(services, STAFF, "admin")
        credential = make_terminal(services, STORE, TERMINAL)
        member_id, card_number = seed_member(services, 1200, "Ada Fuzz")
        with services.db.session() as session:
            upsert_products(session, [{"sku": SKU, "name": "Coffee", "category": "pantry", "base_price_minor": 1500,
                                       "barcodes": ["4000417025005"], "excluded_from_points": False,
                                       "tax_class": "standard", "active": True}], services.clock())
            session.commit()
    finally:
        services.db.dispose()
    return credential, {"code": STORE, "member_id": member_id, "number": card_number, "sku": SKU}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A gunicorn ``onecard server`` on a fresh, seeded PostgreSQL database."""
    root = tmp_path_factory.mktemp("schemathesis")
    database = PostgresTestDatabase()
    database.create()
    log_path = root / "server.log"
    process = None
    try:
        credential, known = _seed(database.url, root)
        port = _free_port()
        env = onecard_env(database_url=database.url, data_dir=str(root), secret_key=SECRET)
        with log_path.open("w") as log:
            process = subprocess.Popen([sys.executable, "-m", "server.cli", "server", "--port", str(port)],
                                       env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(url, process, log_path)
        yield Live(url, credential, known, log_path)
    finally:
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(30)
        database.drop()


def _wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited ({process.returncode}):\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"the server did not answer within {START_TIMEOUT:.0f} s:\n{log_path.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def sessions(server) -> dict[str, requests.Session]:
    """One HTTP session per way of authenticating: a staff admin's token, the terminal's signature, a
    partner's key, none."""
    url, credential = server.url, server.credential
    response = requests.post(f"{url}/api/v1/auth/token", json={"username": STAFF, "password": PASSWORD},
                             timeout=30)
    assert response.status_code == 200, response.text
    staff, terminal, anyone = requests.Session(), requests.Session(), requests.Session()
    staff.auth = BearerToken(response.json()["access_token"])
    terminal.auth = TerminalSignature(credential)
    partner = requests.Session()  # a partner merchant's key, scoped to earn and burn
    partner.headers["X-OneCard-Partner-Key"] = _partner_key(staff, url)
    yield {"bearerAuth": staff, "terminalSignature": terminal, "partnerKey": partner, None: anyone}
    for session in (staff, terminal, partner, anyone):
        session.close()


def _partner_key(staff: requests.Session, url: str) -> str:
    made = staff.post(f"{url}/api/v1/partners", timeout=30, json={
        "code": "FUZZ", "name": "Fuzz cinema", "points_per_unit": 1, "unit_minor": 100,
        "issue_price_per_100": 80, "redeem_value_per_100": 100})
    assert made.status_code == 201, made.text
    issued = staff.post(f"{url}/api/v1/partners/FUZZ/keys", json={"scopes": ["earn", "burn"]}, timeout=30)
    assert issued.status_code == 201, issued.text
    return issued.json()["key"]


@pytest.fixture(scope="module")
def api_schema(server):
    url = server.url
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    return schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json", config=config)


@dataclass(frozen=True)
class Finding:
    operation: str
    check: str
    status: int
    message: str
    reproduce: str

    def __str__(self) -> str:
        message = " ".join(self.message.split())[:300]
        return f"{self.operation}: {self.check} (status {self.status}): {message}\n    {self.reproduce}"


def exercise(operation, mode: GenerationMode, call: Callable[[Case], None], **fixed) -> None:
    """Run ``call`` on up to EXAMPLES_PER_OPERATION cases of ``mode``, the same ones on every run.

    ``fixed`` pins parts of the request (e.g. ``path_parameters``) instead of generating them.
    """
    settings = hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None,
                                   deadline=None, phases=[hypothesis.Phase.generate],
                                   suppress_health_check=list(hypothesis.HealthCheck),
                                   verbosity=hypothesis.Verbosity.quiet)
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):  # nothing in the operation can be broken
        settings(hypothesis.given(operation.as_strategy(generation_mode=mode, **fixed))(call))()


def test_every_operation_answers_as_its_document_says(api_schema, sessions, server):
    url = server.url
    findings: dict[tuple[str, str], Finding] = {}

    def call(case: Case) -> None:
        schemes = [name for requirement in case.operation.definition.raw.get("security", [{}])
                   for name in requirement]
        # An operation open to staff and terminals is called both ways; an open one (health, login) plainly.
        for scheme in schemes or [None]:
            response = case.call(base_url=url, session=sessions[scheme])
            try:
                case.validate_response(response, checks=CHECKS)
            except (Failure, FailureGroup) as exc:
                for failure in getattr(exc, "exceptions", [exc]):
                    findings.setdefault((case.operation.label, failure.title), Finding(
                        case.operation.label, failure.title, response.status_code, failure.message,
                        _curl(case, scheme)))

    deadline, not_reached = time.monotonic() + TIME_BUDGET, []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if time.monotonic() > deadline:  # the bound on the run: stop, and say what was not exercised
            not_reached.append(operation.label)
            continue
        for mode in GenerationMode:
            exercise(operation, mode, call)
        # Generated ids are unknown (404): call again on the seeded records, to reach what lies behind.
        names = [p.name for p in operation.path_parameters]
        if names and all(name in server.known for name in names):
            exercise(operation, GenerationMode.POSITIVE, call,
                     path_parameters={name: server.known[name] for name in names})
    report = "\n".join(str(f) for f in sorted(findings.values(), key=lambda f: (f.operation, f.check)))
    errors = _server_errors(server.log_path)
    assert not findings, f"{len(findings)} findings:\n{report}\n\nserver errors:\n{errors}"
    assert not not_reached, f"not exercised within {TIME_BUDGET:.0f} s: {', '.join(not_reached)}"


def _server_errors(log_path: Path) -> str:
    """Each distinct unhandled error the server logged: where, and the exception's last line."""
    errors, where = {}, None
    for line in log_path.read_text(errors="replace").splitlines():
        if "unhandled error in" in line:
            where = line.split("unhandled error in", 1)[1].split("[request")[0].strip()
        elif where and line and not line.startswith((" ", "Traceback", "During", "The above")):
            errors.setdefault(line.strip()[:200], where)
            where = None
    return "\n".join(f"{where}: {error}" for error, where in errors.items()) or "(none logged)"


def _curl(case: Case, scheme: str | None) -> str:
    command = case.as_curl_command()
    note = {"bearerAuth": " [+ staff bearer token]", "terminalSignature": " [+ terminal signature]"}
    return (command if len(command) < 400 else command[:400] + "...") + note.get(scheme, "")


def test_the_signature_covers_the_path_and_query_as_sent():
    """The signer signs what requests sends, so a terminal call answered 401 is the server's doing."""
    credential = TerminalCredential.generate()
    prepared = requests.Request("POST", "http://127.0.0.1:1/api/v1/sync/changes?cursor=7&limit=2",
                                json={"n": 1}, auth=TerminalSignature(credential)).prepare()
    signed = read_signed_headers(prepared.headers)
    verify_signature(credential.public_key, signed, "POST", "/api/v1/sync/changes?cursor=7&limit=2",
                     b'{"n": 1}')
