"""Notice tests: a real SMTP server and SMS gateway, the member page mounted, members with consents."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from server.models import JobRecord, MemberMessage
from tests.integration.member_page.conftest import sms_gateway  # noqa: F401  (the member page's local gateway)
from tests.integration.notices.postbox import Postbox
from tests.integration.pricing.conftest import (  # noqa: F401  (fixtures shared with the pricing tests)
    catalogue,
    desk,
    marketer,
    promote,
    till,
)
from tests.support.factories import make_terminal


@pytest.fixture
def postbox():
    box = Postbox().start()
    yield box
    box.stop()


@pytest.fixture
def settings_values(settings_values, postbox, sms_gateway) -> dict[str, str]:  # noqa: F811
    return {**settings_values, "web_apps": "admin_ui.web:mount,admin_ui.member.web:mount", "smtp_url": postbox.url,
            "sms_gateway_url": sms_gateway.url, "public_url": "http://cards.example", "notice_rate": "1000"}


@pytest.fixture
def join(client, desk):  # noqa: F811  (the desk fixture, imported above)
    """Enrol a member with contacts and consents; returns the member's id."""

    def make(name: str, email: str | None = None, phone: str | None = None, *, by_email=False, by_sms=False,
             home_store: str | None = "B2") -> str:
        answer = client.post("/api/v1/members", headers=desk, json={
            "name": name, "email": email, "phone": phone, "home_store": home_store,
            "consents": {"marketing_email": by_email, "marketing_sms": by_sms, "profiling": False}})
        assert answer.status_code == 201, answer.json
        return answer.json["id"]

    return make


@pytest.fixture
def store_in(services):
    def make(code: str, zone: str) -> None:
        make_terminal(services, code, "T1", zone)

    return make


def settle(services, timeout: float = 30.0) -> None:
    """Wait until every deliver-notices job the in-process runner was given has finished or failed."""
    deadline = time.monotonic() + timeout
    while True:
        with services.db.session() as session:
            busy = session.scalar(select(JobRecord.id).where(JobRecord.name.like("%deliver_notices"),
                                                              JobRecord.state.in_(("queued", "running"))))
        if busy is None:
            return
        if time.monotonic() > deadline:
            raise AssertionError("a deliver-notices job is still running")
        time.sleep(0.05)


def outbox_rows(services, promotion_id: str) -> list[MemberMessage]:
    with services.db.session() as session:
        return list(session.scalars(select(MemberMessage).where(
            MemberMessage.promotion_id == uuid.UUID(promotion_id)).order_by(MemberMessage.member_id)))
