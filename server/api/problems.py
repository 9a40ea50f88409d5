"""problem+json (RFC 9457): the one place where every failure becomes a response."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, json, request
from sqlalchemy import exc as sqlalchemy_errors
from werkzeug.exceptions import HTTPException

from loyalty import exceptions as loyalty_errors
from server.exceptions import OneCardError, RetryLater

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
TYPE_BASE = "https://onecard.example/problems/"


_RESERVED = frozenset({"type", "title", "status", "detail", "instance", "request_id", "errors"})


def problem(status: int, title: str, detail: str | None = None, slug: str | None = None,
            errors: dict | None = None, headers: dict | None = None, **extra) -> Response:
    extra = {k: v for k, v in extra.items() if k not in _RESERVED}
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
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RetryLater) else None
    extra = {k: v for k, v in error.extra.items() if isinstance(v, (str, int, bool))}
    errors = error.extra.get("errors")  # field -> messages, for rule failures that name a field
    return problem(error.status, error.title, error.detail, slug=error.slug, headers=headers,
                   errors=errors if isinstance(errors, dict) else None, **extra)


# Domain errors from the pure loyalty rules: (status, problem slug, title). Unlisted ones are 422.
LOYALTY_PROBLEMS: dict[type[Exception], tuple[int, str, str]] = {
    loyalty_errors.InsufficientPoints: (409, "insufficient-points", "Not enough points"),
    loyalty_errors.CardNotUsable: (409, "card-not-usable", "Card not usable"),
    loyalty_errors.IllegalCardTransition: (409, "card-state", "Card state cannot change that way"),
    loyalty_errors.ConflictingEntry: (409, "conflicting-entry", "Conflicting ledger entry"),
    loyalty_errors.MergeNotAllowed: (409, "merge-not-allowed", "Merge not allowed"),
    loyalty_errors.InvalidCardNumber: (422, "invalid-card-number", "Invalid card number"),
    loyalty_errors.InvalidPhone: (422, "invalid-phone", "Invalid phone number"),
    loyalty_errors.InvalidEmail: (422, "invalid-email", "Invalid e-mail address"),
}


def loyalty_problem(error: loyalty_errors.LoyaltyError) -> Response:
    for kind in type(error).__mro__:
        if kind in LOYALTY_PROBLEMS:
            status, slug, title = LOYALTY_PROBLEMS[kind]
            break
    else:
        status, slug, title = 422, "rule-violated", "Loyalty rule violated"
    extra = {k: v for k, v in vars(error).items() if isinstance(v, (str, int, bool))}
    return problem(status, title, str(error), slug=slug, **extra)


def database_unavailable_problem(error: Exception) -> Response:
    """The database is out of reach or every pooled connection is taken: try again shortly, not a 500."""
    log.warning("database unavailable in %s %s [request %s]: %s", request.method, request.path,
                g.get("request_id"), error)
    return problem(503, "Service unavailable",
                   "the database is busy or out of reach; try again in a moment", slug="database-unavailable",
                   headers={"Retry-After": "1"})


def unexpected_problem(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return http_exception_problem(error)
    log.error("unhandled error in %s %s [request %s]", request.method, request.path,
              g.get("request_id"), exc_info=error)
    return problem(500, "Internal server error",
                   "the server met an unexpected error; quote the request id when reporting it")


def register(app: Flask) -> None:
    app.register_error_handler(OneCardError, onecard_problem)
    app.register_error_handler(loyalty_errors.LoyaltyError, loyalty_problem)
    app.register_error_handler(HTTPException, http_exception_problem)
    app.register_error_handler(sqlalchemy_errors.TimeoutError, database_unavailable_problem)
    app.register_error_handler(sqlalchemy_errors.OperationalError, database_unavailable_problem)
    app.register_error_handler(Exception, unexpected_problem)
