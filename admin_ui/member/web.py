"""Mounting the member page on the central server's app under ``/me`` (the ``onecard.web`` entry point)."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template

from admin_ui import formatting
from admin_ui.failures import failure, private_headers
from admin_ui.member import access, views  # noqa: F401  (routes register on import)
from admin_ui.member.blueprint import bp
from server.api.context import services

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
    return private_headers(access.write_cookie(response), "/me/static/")


@bp.errorhandler(Exception)
def _error_page(error: Exception):
    """Every failure under /me is a page in the layout, never problem+json or a stack trace."""
    status, title, detail = failure(error, "Please try again in a moment.")
    return render_template("member/error.html", status=status, title=title, detail=detail), status
