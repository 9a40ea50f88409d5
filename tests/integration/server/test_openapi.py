"""The OpenAPI document is generated from the schemas and is valid OpenAPI 3."""

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_lists_the_resources(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    assert document["openapi"].startswith("3.")
    for path in ["/api/v1/health", "/api/v1/auth/token", "/api/v1/stores",
                 "/api/v1/stores/{code}/terminals", "/api/v1/terminals/heartbeat", "/api/v1/audit"]:
        assert path in document["paths"]
    token_request = document["components"]["schemas"]["TokenRequest"]
    assert set(token_request["required"]) == {"username", "password"}
    assert "bearerAuth" in document["components"]["securitySchemes"]
