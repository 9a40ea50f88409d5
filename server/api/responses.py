"""The error answers the OpenAPI document declares, in one place.

Every failure the application answers is ``application/problem+json`` (server.api.problems). Most follow from
the shape of an operation, so a spec plugin adds them to every operation that has that shape:

- any operation: 500, the problem every unexpected error becomes, and 503 when the database is
  busy or out of reach (or, for a journal batch, when the server already applies as many as it
  takes at once: ``server.admission``);
- a JSON body: 400 (it does not match its schema), 413 (too large), 415 (not JSON);
- query parameters: 400 (they do not match their schema);
- a path parameter: 404 (nothing has that id);
- query or path parameters: 414, when the request line is longer than gunicorn accepts (4094
  bytes); gunicorn answers that itself, before the application, with a small text/html page;
- a bearer token or a terminal signature: 401 (missing, expired, forged, replayed) and 403
  (the role or the terminal's store may not do this).

The rest depend on what the view does and are declared on the view with ``Blueprint.problems``
(409 for conflicts, 422 for domain rules, 404 for a record named in the body, 429 for login).
Every response the application gives, success or failure, carries ``X-Request-ID``.
"""

from __future__ import annotations

from http import HTTPStatus

from apispec import BasePlugin

from server.api.problems import PROBLEM_MIMETYPE

REQUEST_ID_HEADER = "X-Request-ID"
RETRY_AFTER_HEADER = "Retry-After"

# Why an operation answers each status; used as the response description.
DESCRIPTIONS = {
    400: "the request does not match its schema (field -> messages in `errors`), or names a cursor "
         "this server did not issue",
    401: "no valid staff token, terminal signature or partner key",
    403: "the staff role, the terminal's store or the partner key's scopes may not do this, or (burn) the "
         "member's consent code is wrong, used or expired",
    404: "nothing has this id",
    409: "the request conflicts with the current state",
    413: "the body is larger than the server accepts",
    414: "the request line is longer than the HTTP server (gunicorn) accepts; answered by gunicorn "
         "itself as text/html, without X-Request-ID",
    415: "the body is not JSON",
    422: "the request is well-formed but breaks a business rule",
    429: "too many failed logins; wait for Retry-After seconds",
    500: "an unexpected error; quote request_id when reporting it",
    503: "the database is busy (every pooled connection taken) or out of reach, or (a journal batch) the server "
         "is applying as many batches as it takes at once; try again after Retry-After",
}


def response_name(status: int) -> str:
    """The component name of the problem response for ``status`` (e.g. ``NOT_FOUND``)."""
    return HTTPStatus(status).name


def register_components(spec, problem_schema) -> None:
    """Register the shared headers and one lazy problem response per error status."""
    spec.components.header(REQUEST_ID_HEADER, {
        "description": "the request's id: the client's X-Request-ID if well-formed, else one the server made",
        "schema": {"type": "string"}, "required": True}, lazy=True)
    spec.components.header(RETRY_AFTER_HEADER, {
        "description": "seconds to wait before trying again", "schema": {"type": "integer"}, "required": True},
        lazy=True)
    for status in HTTPStatus:
        if status < 400:
            continue
        if status == HTTPStatus.REQUEST_URI_TOO_LONG:
            spec.components.response(response_name(status), {
                "description": DESCRIPTIONS[status], "content": {"text/html": {"schema": {"type": "string"}}}},
                lazy=True)
            continue
        headers = {REQUEST_ID_HEADER: REQUEST_ID_HEADER}
        if status in (HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE):
            headers[RETRY_AFTER_HEADER] = RETRY_AFTER_HEADER
        spec.components.response(response_name(status), {
            "description": DESCRIPTIONS.get(status, status.phrase),
            "content": {PROBLEM_MIMETYPE: {"schema": problem_schema}},
            "headers": headers,
        }, lazy=True)


class ProblemResponses(BasePlugin):
    """Adds to each operation the problem responses its shape implies, and X-Request-ID everywhere."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status in sorted(self._implied(path or "", operation)):
                if status not in responses and str(status) not in responses:
                    responses[status] = response_name(status)
            for response in responses.values():
                if isinstance(response, dict):
                    response.setdefault("headers", {}).setdefault(REQUEST_ID_HEADER, REQUEST_ID_HEADER)

    @staticmethod
    def _implied(path: str, operation: dict) -> set[int]:
        statuses = {500, 503}
        if "requestBody" in operation:
            statuses |= {400, 413, 415}
        if any(isinstance(p, dict) and p.get("in") == "query" for p in operation.get("parameters", [])):
            statuses |= {400, 414}
        if "{" in path:
            statuses |= {404, 414}
        if operation.get("security"):
            statuses |= {401, 403}
        return statuses
