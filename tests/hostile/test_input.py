"""Hostile input to the central server is a 4xx problem+json that changes nothing: never a 500, never a hang."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from server.models import Base, JournalRejection, Member
from store_sync.signing import sign_request
from tests.support.factories import login, make_staff, make_terminal
from tests.support.tills import Till, line

PROBLEM = "application/problem+json"
DEEP = '{"a": ' * 1000 + "1" + "}" * 1000
HUGE = "9" * 5000


@pytest.fixture
def admin(client, services):
    make_staff(services, "root", "admin")
    return login(client, "root")


@pytest.fixture
def till(client, services, clock):
    return Till(client, make_terminal(services, "B2", "T1"), "B2", "T1", clock)


def refused(response, status: int = 400) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.json


def raw_post(client, path: str, text: str, headers: dict | None = None):
    return client.post(path, data=text.encode("utf-8", "surrogatepass"), content_type="application/json",
                       headers=headers or {})


def row_counts(services) -> dict[str, int]:
    """Rows per table, less the nonces a signed request leaves whatever its body (replay protection)."""
    with services.db.session() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables if table.name != "terminal_nonces"}


# --- the guard in front of every body, query string and path ---------------------------------------------------

def test_json_nested_a_thousand_deep_is_refused_before_login(client, services):
    before = row_counts(services)
    body = refused(raw_post(client, "/api/v1/auth/token", DEEP))
    assert "deep" in body["detail"]
    assert row_counts(services) == before


def test_an_integer_of_five_thousand_digits_is_refused(client):
    body = refused(raw_post(client, "/api/v1/auth/token", f'{{"username": "a", "password": {HUGE}}}'))
    assert "digits" in body["detail"]


def test_a_lone_surrogate_is_refused(client):
    body = refused(raw_post(client, "/api/v1/auth/token", '{"username": "\\ud800", "password": "x"}'))
    assert "surrogate" in body["detail"]


@pytest.mark.parametrize("document", [{"username": "ro\u0000ot", "password": "x"},
                                      {"username": "root", "password": "x", "\u0000": 1}])
def test_a_nul_in_a_login_value_or_key_is_refused_and_counts_no_failed_login(client, services, document):
    before = row_counts(services)
    body = refused(client.post("/api/v1/auth/token", json=document))
    assert "NUL" in body["detail"]
    assert row_counts(services) == before


def test_a_nul_in_a_query_value_is_refused(client, admin):
    body = refused(client.get("/api/v1/members?q=ab%00cd", headers=admin))
    assert "NUL" in body["detail"]


def test_a_nul_in_a_path_is_refused(client, admin):
    refused(client.get("/api/v1/products/AB%00CD", headers=admin))


def test_a_twenty_digit_version_in_a_path_is_not_found(client, admin):
    response = client.get(f"/api/v1/promotions/{uuid.uuid4()}/versions/{'9' * 20}", headers=admin)
    refused(response, 404)


def test_nan_and_infinity_are_not_json(client):
    refused(raw_post(client, "/api/v1/auth/token", '{"username": NaN, "password": Infinity}'))


def test_malformed_json_still_says_so_field_by_field(client):
    body = refused(raw_post(client, "/api/v1/auth/token", "{not json"))
    assert body["errors"] == {"json": ["Invalid JSON body."]}


# --- bounds in the schemas ------------------------------------------------------------------------------------

@pytest.mark.parametrize("paid_minor", [2**31, 2**63])
def test_a_line_paid_past_the_column_range_is_refused_and_nothing_is_posted(till, services, paid_minor):
    before = row_counts(services)
    body = refused(till.sale([line("1", paid_minor)], tenders=[{"kind": "cash", "amount_minor": 500}]))
    assert "lines.0.paid_minor" in body["errors"]
    assert row_counts(services) == before


@pytest.mark.parametrize("at", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00",
                                "9999-12-31T23:59:59-05:00"])
def test_a_sale_dated_at_the_ends_of_the_calendar_is_refused(till, services, at):
    before = row_counts(services)
    body = refused(till.request("POST", "/api/v1/transactions", {
        "id": str(uuid.uuid4()), "kind": "sale", "store": "B2", "terminal": "T1", "at": at,
        "lines": [line("1", 500)], "tenders": [{"kind": "cash", "amount_minor": 500}]}))
    assert body["errors"] == {"at": ["must be from 2000-01-01 to before 2100-01-01 (UTC)"]}
    assert row_counts(services) == before


@pytest.mark.parametrize("query", ["since=9999-12-31T23:59:59%2B00:00", "until=0001-01-01T00:00:00%2B00:00"])
def test_a_report_filter_at_the_ends_of_the_calendar_is_refused(client, admin, query):
    body = refused(client.get(f"/api/v1/reports/reconciliation?{query}", headers=admin))
    assert set(body["errors"]) == {query.split("=")[0]}


def test_a_promotion_giving_two_to_the_sixty_three_points_is_refused(client, admin, services):
    before = row_counts(services)
    body = refused(client.post("/api/v1/promotions", headers=admin, json={
        "label": "Absurd points", "state": "active",
        "rule": {"kind": "bonus_points", "fixed_points": 2**63, "scope": {"whole_basket": True}}}))
    assert "rule.fixed_points" in body["errors"]
    assert row_counts(services) == before


def test_a_bulk_product_item_without_a_sku_is_refused_with_its_field(client, admin, services):
    before = row_counts(services)
    body = refused(client.post("/api/v1/products/bulk", headers=admin, json={"items": [
        {"sku": "PASTA", "name": "Fusilli", "category": "pasta", "base_price_minor": 199},
        {"name": "Nameless", "category": "pasta", "base_price_minor": 99}]}))
    assert body["errors"] == {"items.1.sku": ["Missing data for required field."]}
    assert row_counts(services) == before


def test_the_openapi_document_states_the_bounds(client):
    spec = client.get("/api/v1/openapi.json").json
    line_schema = spec["components"]["schemas"]["Line"]["properties"]
    assert line_schema["paid_minor"]["maximum"] <= 2**31 - 1
    assert line_schema["qty"]["maximum"] <= 2**31 - 1
    transaction = spec["components"]["schemas"]["Transaction"]["properties"]
    assert "2000" in transaction["at"]["description"] and "2100" in transaction["at"]["description"]


@pytest.mark.slow
def test_a_coupon_batch_of_the_largest_allowed_size_is_generated(client, admin, services):
    promotion = client.post("/api/v1/promotions", headers=admin, json={
        "label": "Five off with a code", "rule": {"kind": "amount_off", "amount_minor": 500,
                                                  "scope": {"whole_basket": True}},
        "coupon": {"single_use": True}})
    assert promotion.status_code == 201, promotion.json
    batch = client.post(f"/api/v1/promotions/{promotion.json['id']}/coupons", headers=admin,
                        json={"prefix": "BIG", "count": 100_000})
    assert batch.status_code == 201, batch.json
    assert len(set(batch.json["codes"])) == 100_000
    assert row_counts(services)["coupon_codes"] == 100_000


# --- the journal: a bad item is rejected on its own ------------------------------------------------------------

def _enrolment(member_id: str, card: str, name: str, **extra) -> dict:
    return {"id": member_id, "type": "enrolment", "body": {
        "member_id": member_id, "name": name, "card_number": card, "at": "2026-03-14T09:30:00+00:00", **extra}}


def _push(till, items):
    return till.request("POST", "/api/v1/sync/journal", {
        "protocol_version": 1, "store": till.store, "terminal": till.terminal,
        "items": [{**item, "seq": n} for n, item in enumerate(items, start=1)]})


@pytest.mark.parametrize(("bad", "reason"), [
    ({"consents": {"marketing_email": True, "carrier_pigeon": True}}, "invalid-body"),
    ({"phone": "0" * 40}, "invalid-body"),
    ({"at": "9999-12-31T23:59:59+00:00"}, "invalid-body"),
])
def test_a_bad_enrolment_in_the_middle_of_a_batch_is_rejected_alone(till, services, bad, reason):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    items = [_enrolment(ids[0], "2700000001233", "Ada"), _enrolment(ids[1], "2700000001240", "Bea", **bad),
             _enrolment(ids[2], "2700000001257", "Cy")]
    response = _push(till, items)
    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [(r["id"], r["status"], r.get("reason")) for r in results] == [
        (ids[0], "applied", None), (ids[1], "rejected", reason), (ids[2], "applied", None)]
    assert results[1]["detail"]
    with services.db.session() as session:
        assert {str(m) for m in session.scalars(select(Member.id))} == {ids[0], ids[2]}
        kept = session.scalars(select(JournalRejection)).all()
    assert [(k.item_id, k.reason, k.final) for k in kept] == [(ids[1], reason, True)]


def test_an_item_the_batch_schema_refuses_is_rejected_alone(till, services):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    items = [_enrolment(ids[0], "2700000001233", "Ada"),
             {"id": ids[1], "type": "telegram", "body": {"text": "hello"}},
             _enrolment(ids[2], "2700000001257", "Cy")]
    results = _push(till, items).json["results"]
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("applied", None), ("rejected", "invalid-item"), ("applied", None)]
    assert "type" in results[1]["detail"]
    with services.db.session() as session:
        kept = session.scalar(select(JournalRejection))
    assert (kept.item_id, kept.item_type, kept.body) == (ids[1], "unknown", {"text": "hello"})


@pytest.mark.parametrize("text", ["Bea\x00", "Bea\ud800"], ids=["NUL", "lone surrogate"])
def test_an_item_holding_text_no_database_can_store_is_rejected_alone_and_kept_scrubbed(till, services, text):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    items = [_enrolment(ids[0], "2700000001233", "Ada"), _enrolment(ids[1], "2700000001240", text),
             _enrolment(ids[2], "2700000001257", "Cy")]
    response = _push(till, items)
    assert response.status_code == 200, response.json
    assert [(r["status"], r.get("reason")) for r in response.json["results"]] == [
        ("applied", None), ("rejected", "invalid-item"), ("applied", None)]
    with services.db.session() as session:
        kept = session.scalar(select(JournalRejection))
        assert {str(m) for m in session.scalars(select(Member.id))} == {ids[0], ids[2]}
    assert (kept.item_id, kept.body["name"]) == (ids[1], "Bea\ufffd")


def test_hostile_text_outside_the_items_bodies_still_fails_the_batch(till):
    items = [_enrolment(str(uuid.uuid4()), "2700000001233", "Ada")]
    items[0]["id"] = items[0]["id"][:-1] + "\x00"
    assert refused(_push(till, items))["status"] == 400


def test_an_item_without_an_id_to_answer_by_fails_the_batch(till):
    body = refused(_push(till, [_enrolment(str(uuid.uuid4()), "2700000001233", "Ada"), {"type": "enrolment"}]))
    assert "items.1.id" in body["errors"]


# --- every route, every hostile payload -----------------------------------------------------------------------

def _hostile_bodies(field: str) -> dict[str, str]:
    return {"deep JSON": DEEP, "huge integer": f'{{"{field}": {HUGE}}}',
            "lone surrogate": f'{{"{field}": "a\\ud800b"}}', "NUL in a string": f'{{"{field}": "a\\u0000b"}}',
            "NUL in a key": '{"a\\u0000b": "x"}'}


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _path(rule) -> str:
    values = {"uuid": str(uuid.uuid4()), "int": "1"}
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: values.get(m.group(1) or "", "X1"), rule.rule)


def _routes(app, spec: dict):
    """(method, path, operation) of every API route that takes a JSON body or a query string."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        openapi_path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = spec["paths"].get(openapi_path, {}).get(method.lower(), {})
            if "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", [])):
                yield method, _path(rule), operation


def _first_string_field(spec: dict, operation: dict) -> str:
    schema = _resolve(spec, operation["requestBody"]["content"]["application/json"]["schema"])
    properties = schema.get("properties", {})
    strings = [name for name, prop in properties.items() if _resolve(spec, prop).get("type") == "string"]
    return (strings or list(properties) or ["x"])[0]


def _send(client, till, admin, method, target, operation, raw: bytes):
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    headers = dict(admin) if "bearerAuth" in schemes else {}
    if not headers and "terminalSignature" in schemes:
        headers = sign_request(till.credential, method, target, raw, int(till.clock().timestamp()))
    return client.open(target, method=method, data=raw or None, headers=headers,
                       content_type="application/json" if raw else None)


def test_every_route_refuses_every_hostile_payload_with_a_4xx_problem_and_changes_nothing(
        app, client, services, admin, till):
    spec = client.get("/api/v1/openapi.json").json
    routes = list(_routes(app, spec))
    assert len(routes) >= 25  # every body and query route of the API, not a handful
    before, answers = row_counts(services), []
    for method, path, operation in routes:
        if "requestBody" in operation:
            for payload, text in _hostile_bodies(_first_string_field(spec, operation)).items():
                raw = text.encode("utf-8", "surrogatepass")
                answers.append((method, path, payload, _send(client, till, admin, method, path, operation, raw)))
        for parameter in (p["name"] for p in operation.get("parameters", []) if p["in"] == "query"):
            for payload, value in {"NUL in a query value": "a%00b", "huge integer in a query": HUGE}.items():
                target = f"{path}?{parameter}={value}"
                answers.append((method, target, payload, _send(client, till, admin, method, target, operation, b"")))
    wrong = [(method, target, payload, response.status_code, response.mimetype)
             for method, target, payload, response in answers
             if not 400 <= response.status_code < 500 or response.mimetype != PROBLEM]
    assert wrong == []
    assert row_counts(services) == before
