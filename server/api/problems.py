"""problem+json (RFC 9457): the one place where every failure becomes a response."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

from server.exceptions import OneCardError, TooManyAttempts

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
TYPE_BASE = "https://onecard.example/problems/"


def problem(status: int, title: str, detail: str | None = None, slug: str | None = None,
            errors: dict | None = None, headers: dict | None = None, **extra) -> Response:
    body = {
        "type": TYPE_BASE + (slug or str(status)),
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
        "request_id": g.get("request_id"),
        **extra,
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_validation_messages(messages: dict) -> dict[str, list[str]]:
    """webargs nests messages by location ({"json": {"field": [...]}}); clients want field -> list."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            flat[prefix or "_body"] = [str(m) for m in value] if isinstance(value, list) else [str(value)]

    for location, inner in messages.items():
        if isinstance(inner, dict):
            walk("", inner)
        else:
            walk(location, inner)
    return flat


def http_exception_problem(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    messages = data.get("errors") or data.get("messages")
    errors = _flatten_validation_messages(messages) if isinstance(messages, dict) else None
    detail = data.get("message") or error.description
    if errors:
        detail = "the request does not match the expected format"
    headers = dict(data.get("headers") or {})
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(error.code or 500, error.name, detail, errors=errors, headers=headers)


def onecard_problem(error: OneCardError) -> Response:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyAttempts) else None
    extra = {k: v for k, v in error.extra.items() if isinstance(v, (str, int, bool))}
    return problem(error.status, error.title, error.detail, slug=error.slug, headers=headers, **extra)


def unexpected_problem(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return http_exception_problem(error)
    log.error("unhandled error in %s %s [request %s]", request.method, request.path,
              g.get("request_id"), exc_info=error)
    return problem(500, "Internal server error",
                   "the server met an unexpected error; quote the request id when reporting it")


def register(app: Flask) -> None:
    app.register_error_handler(OneCardError, onecard_problem)
    app.register_error_handler(HTTPException, http_exception_problem)
    app.register_error_handler(Exception, unexpected_problem)
