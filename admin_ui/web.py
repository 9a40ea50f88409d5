"""Mounting the back office on the central server's app under ``/admin``."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template

from admin_ui import formatting
from admin_ui.access import COOKIE_NAME, AdminSessionInterface, csrf_token, may_open
from admin_ui.blueprint import bp
from admin_ui.failures import failure, private_headers
from admin_ui.navigation import navigation
from admin_ui.views import (  # noqa: F401  (routes register on import)
    approvals,
    auth,
    dashboard,
    hq,
    insights,
    marketing,
    member_desk,
    members,
    operators,
    partners,
    programme,
    promotion_actions,
    promotion_builder,
    promotion_simulation,
    rewards,
    tax_classes,
    till_events,
    till_pins,
)
from server.api.context import services

log = logging.getLogger(__name__)


def mount(app: Flask) -> None:
    """Serve the back office under ``/admin`` (the ``onecard.web`` entry point)."""
    app.config.update(SESSION_COOKIE_NAME=COOKIE_NAME, SESSION_COOKIE_PATH="/admin",
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.session_interface = AdminSessionInterface()
    app.register_blueprint(bp, url_prefix="/admin")


@bp.app_template_filter("money")
def _money(minor: int | None) -> str:
    settings = services().settings
    return formatting.money(minor, settings.currency, settings.currency_exponent)


bp.add_app_template_filter(formatting.points, "points")
bp.add_app_template_filter(formatting.when, "when")
bp.add_app_template_filter(formatting.percent_text, "percent")
bp.add_app_template_filter(formatting.day, "day")


@bp.context_processor
def _page_context() -> dict:
    return {"csrf_token": csrf_token, "staff": g.get("signed_in"), "may_open": may_open,
            "navigation": navigation, "currency": services().settings.currency}


@bp.after_request
def _no_store(response):
    return private_headers(response, "/admin/static/")


@bp.errorhandler(Exception)
def _error_page(error: Exception):
    """Every failure under /admin is a page in the layout, never problem+json or a stack trace."""
    status, title, detail = failure(
        error, "The server met an unexpected error; quote the request id when reporting it.")
    return render_template("admin/error.html", status=status, title=title, detail=detail,
                           request_id=g.get("request_id")), status
