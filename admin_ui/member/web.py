"""Mounting the member page on the central server's app under ``/me`` (the ``onecard.web`` entry point)."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from werkzeug.exceptions import HTTPException

from admin_ui import formatting
from admin_ui.member import access, views  # noqa: F401  (routes register on import)
from admin_ui.member.blueprint import bp
from server.api.context import services
from server.exceptions import OneCardError

log = logging.getLogger(__name__)


def mount(app: Flask) -> None:
    """Serve the member page under ``/me``."""
    app.register_blueprint(bp, url_prefix="/me")


@bp.context_processor
def _page_context() -> dict:
    settings = services().settings
    return {"csrf_token": access.csrf_token, "member": g.get("member"), "notice": access.take_notice(),
            "money": lambda minor: formatting.money(minor, settings.currency, settings.currency_exponent),
            "points": formatting.points, "day": formatting.day, "when": formatting.when}


@bp.after_request
def _headers(response):
    response = access.write_cookie(response)
    if not request.path.startswith("/me/static/"):
        # Personal data and a scannable card: never kept in a shared cache, never framed.
        response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.errorhandler(Exception)
def _error_page(error: Exception):
    """Every failure under /me is a page in the layout, never problem+json or a stack trace."""
    if isinstance(error, HTTPException):
        status, title, detail = error.code or 500, error.name, error.description
    elif isinstance(error, OneCardError):
        status, title, detail = error.status, error.title, error.detail
    else:
        log.error("unhandled error in %s %s [request %s]", request.method, request.path,
                  g.get("request_id"), exc_info=error)
        status, title = 500, "Something went wrong"
        detail = "Please try again in a moment."
    return render_template("member/error.html", status=status, title=title, detail=detail), status
