"""problem+json for the local API: the one place agent errors become responses."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from pos_agent.exceptions import AgentError, InvalidRequest

log = logging.getLogger(__name__)

TYPE_BASE = "https://onecard.example/problems/"


def problem(status: int, title: str, detail: str, slug: str, **extra) -> Response:
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail,
            "instance": request.path, **extra}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def agent_problem(error: AgentError) -> Response:
    extra = {k: v for k, v in error.extra.items() if isinstance(v, str | int | float | bool) or v is None}
    if isinstance(error, InvalidRequest) and error.errors:
        extra["errors"] = error.errors
    return problem(error.status, error.title, error.detail, error.slug, **extra)


def validation_problem(error: ma.ValidationError) -> Response:
    errors = error.messages if isinstance(error.messages, dict) else {"_body": error.messages}
    return problem(400, "Invalid request", "the request does not match the expected format", "invalid-request",
                   errors=errors)


def http_problem(error: HTTPException) -> Response:
    return problem(error.code or 500, error.name, error.description or error.name, str(error.code))


def unexpected_problem(error: Exception) -> Response:
    log.exception("unexpected error in %s", request.path, exc_info=error)
    return problem(500, "Internal error", "the agent could not do this; see its log", "500")


def init_problems(app: Flask) -> None:
    app.register_error_handler(AgentError, agent_problem)
    app.register_error_handler(ma.ValidationError, validation_problem)
    app.register_error_handler(HTTPException, http_problem)
    app.register_error_handler(Exception, unexpected_problem)
