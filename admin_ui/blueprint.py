"""The ``admin`` blueprint every back-office page hangs from, and the helpers its views share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, flash

from admin_ui.access import check_csrf
from loyalty.exceptions import LoyaltyError
from server.api.context import db_session
from server.exceptions import OneCardError

T = TypeVar("T")

bp = Blueprint("admin", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")
bp.before_request(check_csrf)


def attempt(action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run a service call and commit: (True, its result); a refusal by the rules is rolled back and
    flashed in its own words: (False, None)."""
    session = db_session()
    try:
        result = action()
        session.commit()
    except (OneCardError, LoyaltyError) as exc:
        session.rollback()
        flash(problem_text(exc), "error")
        return False, None
    return True, result


def problem_text(exc: Exception) -> str:
    return exc.detail if isinstance(exc, OneCardError) else str(exc)
