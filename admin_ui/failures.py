"""What the web pages (back office and member page) share about failures and private pages."""

from __future__ import annotations

import logging

from flask import g, request
from werkzeug.exceptions import HTTPException

from admin_ui.blueprint import problem_text
from loyalty.exceptions import LoyaltyError
from server.exceptions import OneCardError

log = logging.getLogger(__name__)


def private_headers(response, static_prefix: str):
    """Pages show personal data and one-time credentials: never kept in a shared cache, never framed."""
    if not request.path.startswith(static_prefix):
        response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def failure(error: Exception, unexpected: str) -> tuple[int, str, str]:
    """(status, title, detail) of a failure, for a page in the layout; ``unexpected`` is the detail
    shown for an error nobody foresaw (logged with the request id)."""
    if isinstance(error, HTTPException):
        return error.code or 500, error.name, error.description
    if isinstance(error, OneCardError):
        return error.status, error.title, problem_text(error)
    if isinstance(error, LoyaltyError):
        return 422, "Not allowed by the loyalty rules", problem_text(error)
    log.error("unhandled error in %s %s [request %s]", request.method, request.path, g.get("request_id"),
              exc_info=error)
    return 500, "Something went wrong", unexpected
