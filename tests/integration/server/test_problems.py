"""Every failure is answered as problem+json with a request id, never HTML or a stack trace."""

import logging
import socket

import pytest

PROBLEM = "application/problem+json"


def _assert_problem(response, status):
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("https://")
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_unknown_path_is_404(client):
    _assert_problem(client.get("/api/v1/no-such-thing"), 404)


def test_wrong_method_is_405_with_allow_header(client):
    response = client.delete("/api/v1/health")
    _assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_body_over_the_cap_is_413(client, settings):
    response = client.post("/api/v1/auth/token", data=b"x" * (settings.max_body_bytes + 1),
                           content_type="application/json")
    body = _assert_problem(response, 413)
    assert str(settings.max_body_bytes) in body["detail"]


def test_a_body_that_is_not_json_is_415(client):
    response = client.post("/api/v1/auth/token", data="username=a&password=b",
                           content_type="application/x-www-form-urlencoded")
    _assert_problem(response, 415)


def test_malformed_json_is_400(client):
    body = _assert_problem(client.post("/api/v1/auth/token", data="{not json",
                                       content_type="application/json"), 400)
    assert body["errors"] == {"json": ["Invalid JSON body."]}


def test_unknown_and_missing_fields_are_400_with_field_messages(client):
    body = _assert_problem(client.post("/api/v1/auth/token", json={"user": "x"}), 400)
    assert body["errors"]["user"] == ["Unknown field."]
    assert body["errors"]["username"] == ["Missing data for required field."]


def test_an_unhandled_error_is_a_500_problem_without_a_traceback(app, caplog):
    @app.get("/api/v1/test-explodes")
    def explode():
        raise RuntimeError("secret internals")

    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/test-explodes", headers={"X-Request-ID": "req-12345678"})
    body = _assert_problem(response, 500)
    assert body["request_id"] == "req-12345678"
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert any("req-12345678" in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("path", ["/api/v1/stores", "/api/v1/audit"])
def test_no_token_is_401(client, path):
    _assert_problem(client.get(path), 401)


def test_a_database_out_of_reach_is_a_503_with_retry_after_not_a_500(tmp_path):
    from server.app import create_app
    from server.settings import Settings

    with socket.socket() as probe:  # a port nothing listens on: PostgreSQL "down"
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings.from_values({"data_dir": str(tmp_path), "secret_key": "x" * 40,
                                     "database_url": f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"})
    client = create_app(settings).test_client()
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": "secret"})
    body = _assert_problem(response, 503)
    assert response.headers["Retry-After"] == "1" and "try again" in body["detail"]
