"""Every back-office test gets an app with the back office mounted by name, as ONECARD_WEB_APPS does."""

from __future__ import annotations

import pytest

from tests.integration.admin_ui.backoffice import seed_chain


@pytest.fixture
def settings_values(settings_values) -> dict[str, str]:
    return {**settings_values, "web_apps": "admin_ui.web:mount"}


@pytest.fixture
def chain(services):
    return seed_chain(services)
