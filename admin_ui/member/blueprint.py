"""The ``member`` blueprint every member page hangs from."""

from __future__ import annotations

from flask import Blueprint

from admin_ui.member.access import check_csrf

bp = Blueprint("member", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")
bp.before_request(check_csrf)
