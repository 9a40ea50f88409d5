"""Member page tests: the member page mounted by name, a real SMTP server and a local SMS gateway."""

from __future__ import annotations

import pytest

from tests.integration.member_page.mailbox import Mailbox, SmsGateway
from tests.integration.pricing.conftest import (  # noqa: F401  (fixtures shared with the pricing tests)
    catalogue,
    desk,
    enrol,
    marketer,
    promote,
    quote,
    till,
)


@pytest.fixture
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def sms_gateway():
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def settings_values(settings_values, mailbox, sms_gateway) -> dict[str, str]:
    return {**settings_values, "web_apps": "admin_ui.member.web:mount", "smtp_url": mailbox.url,
            "sms_gateway_url": sms_gateway.url}
