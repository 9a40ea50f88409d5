"""How the server finds the back office: the onecard.web entry point, or ONECARD_WEB_APPS by name."""

from __future__ import annotations

import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from admin_ui.member.web import mount as member_mount
from admin_ui.web import mount
from server.app import WEB_GROUP, create_app
from server.exceptions import ConfigError
from server.services import Services
from server.settings import Settings

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def admin_rules(app) -> list[str]:
    return [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]


def test_the_back_office_is_mounted_under_admin_when_named(app):
    assert "/admin/sign-in" in admin_rules(app)
    assert "/api/v1/auth/token" in [rule.rule for rule in app.url_map.iter_rules()]


def test_none_serves_the_api_alone(settings_values, clock):
    services = Services.build(Settings.from_values({**settings_values, "web_apps": "none"}), clock=clock)
    try:
        assert admin_rules(create_app(services=services)) == []
    finally:
        services.db.dispose()


@pytest.mark.parametrize("value", ["admin_ui.web", "admin_ui.web:mount;rm", "admin ui:mount"])
def test_a_malformed_web_app_name_is_a_configuration_error_naming_the_setting(settings_values, value):
    with pytest.raises(ConfigError, match="ONECARD_WEB_APPS: use module:function names"):
        Settings.from_values({**settings_values, "web_apps": value})


def test_the_installed_package_declares_the_back_office_and_the_member_page_as_onecard_web_entry_points():
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"][WEB_GROUP]
    assert declared == {"admin": "admin_ui.web:mount", "member": "admin_ui.member.web:mount"}
    assert EntryPoint(name="admin", value=declared["admin"], group=WEB_GROUP).load() is mount
    assert EntryPoint(name="member", value=declared["member"], group=WEB_GROUP).load() is member_mount
