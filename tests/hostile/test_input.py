"""Hostile input to the central server is a 4xx problem+json that changes nothing: never a 500, never a hang."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from server.models import Base
from tests.support.factories import login, make_staff, make_terminal
from tests.support.tills import Till

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
    with services.db.session() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


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
