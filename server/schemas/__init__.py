"""marshmallow schemas for every request and response of the REST API (the OpenAPI source)."""
