"""The OpenAPI document is generated from the schemas, is valid OpenAPI 3, and declares every answer."""

import pytest
from openapi_spec_validator import validate

METHODS = ("get", "put", "post", "patch", "delete")
PROBLEM = "application/problem+json"


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def resolved(document, response):
    if "$ref" in response:
        return document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def test_openapi_document_is_valid_and_lists_the_resources(document):
    validate(document)
    assert document["openapi"].startswith("3.")
    for path in ["/api/v1/health", "/api/v1/auth/token", "/api/v1/stores",
                 "/api/v1/stores/{code}/terminals", "/api/v1/terminals/heartbeat", "/api/v1/audit"]:
        assert path in document["paths"]
    token_request = document["components"]["schemas"]["TokenRequest"]
    assert set(token_request["required"]) == {"username", "password"}
    assert "bearerAuth" in document["components"]["securitySchemes"]


def test_no_operation_hides_its_errors_behind_a_default_response(document):
    assert [name for name, op in operations(document) if "default" in op["responses"]] == []


def test_every_error_the_application_gives_is_a_problem_with_its_schema(document):
    for name, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400 or status == "414":  # 414 comes from gunicorn, before the application
                continue
            if (name, status) == ("GET /api/v1/health", "503"):  # not ready is a health report, not a failure
                continue
            content = resolved(document, response)["content"]
            assert list(content) == [PROBLEM], (name, status)
            assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}, (name, status)


def test_errors_follow_from_the_shape_of_each_operation(document):
    for name, operation in operations(document):
        statuses = set(operation["responses"])
        assert "500" in statuses, name
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= statuses, name
        if "{" in name:
            assert {"404", "414"} <= statuses, name
        if operation.get("security"):
            assert {"401", "403"} <= statuses, name
        else:  # open to anyone: only a failed login is 401
            assert "403" not in statuses, name


def test_view_specific_errors_are_declared(document):
    paths = document["paths"]
    login = paths["/api/v1/auth/token"]["post"]["responses"]
    assert {"401", "429"} <= set(login)
    assert "Retry-After" in resolved(document, login["429"])["headers"]
    assert {"409", "422"} <= set(paths["/api/v1/members"]["post"]["responses"])
    assert {"404", "409", "422"} <= set(paths["/api/v1/holds"]["post"]["responses"])
    assert "409" in paths["/api/v1/promotions/{promotion_id}/state"]["post"]["responses"]


def test_successes_are_declared_with_their_status_and_content_types(document):
    paths = document["paths"]
    assert set(paths["/api/v1/members"]["post"]["responses"]) & {"200", "201"} == {"201"}
    assert set(paths["/api/v1/transactions"]["post"]["responses"]) & {"200", "201"} == {"200", "201"}
    for report in ("/api/v1/reports/reconciliation", "/api/v1/reports/sync-health"):
        ok = paths[report]["get"]["responses"]["200"]
        assert set(ok["content"]) == {"application/json", "text/csv"}, report
        assert "Content-Disposition" in ok["headers"], report
    health = paths["/api/v1/health"]["get"]["responses"]
    assert set(health["503"]["content"]) == {"application/json"}


def test_every_response_the_application_gives_declares_its_request_id_header(document):
    for name, operation in operations(document):
        for status, response in operation["responses"].items():
            if status != "414":
                assert "X-Request-ID" in resolved(document, response).get("headers", {}), (name, status)


def test_a_problem_may_carry_extension_members(document):
    problem = document["components"]["schemas"]["Problem"]
    assert problem.get("additionalProperties", True) is not False
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])


def test_an_answer_matches_its_declaration(client, document):
    """A real 401 is the problem+json, with its request id, that the document declares."""
    unauthorized = client.get("/api/v1/stores")
    assert unauthorized.status_code == 401 and unauthorized.mimetype == PROBLEM
    assert "401" in document["paths"]["/api/v1/stores"]["get"]["responses"]
    assert unauthorized.headers["X-Request-ID"]
    assert {"type", "title", "status", "detail", "instance"} <= set(unauthorized.json)
