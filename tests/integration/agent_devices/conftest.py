"""Fixtures for the agent's device manager: an agent on a fresh SQLite file over a fake server link,
with the real device stacks from tests.devices_support (pcscd + vpcd, socat ptys, a TCP printer sink)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devices.config import DeviceConfig
from loyalty.cards import CardNumberScheme
from pos_agent.checkout.service import Till
from pos_agent.devices.manager import DeviceManager
from pos_agent.link.port import CardLookup
from pos_agent.runtime import Agent
from pos_agent.store.database import Database
from tests.integration.agent.catalogue import STORE, card_payload, catalogue_changes, member_payload
from tests.integration.agent.fake_link import FakeServerLink
from tests.integration.agent.live import live_server  # noqa: F401 - a fixture shared by both folders
from tests.support.till_api import local_client

CARD = CardNumberScheme("27").number_for(1001)
CHIP_CARD = CardNumberScheme("27").number_for(1002)
CHIP_UID = "04C0FFEE112233"
MEMBER_ID = "0195f0a0-0000-7000-8000-000000000001"


@pytest.fixture
def fake_link(clock):
    link = FakeServerLink()
    for change in catalogue_changes():
        link.publish(*change)
    link.publish("member", MEMBER_ID, "upsert", member_payload(MEMBER_ID, available=5000, taken_at=clock()))
    link.publish("card", CARD, "upsert", card_payload(CARD, MEMBER_ID))
    link.publish("card", CHIP_CARD, "upsert", {**card_payload(CHIP_CARD, MEMBER_ID), "chip_uid": CHIP_UID})
    for number in (CARD, CHIP_CARD):  # what the server answers online
        link.cards[number] = CardLookup({"number": number, "state": "active"}, {"id": MEMBER_ID, "name": "Ada"},
                                        {"tier": "basic", "available": 5000, "balance": 5000,
                                         "as_of": clock().isoformat()})
    return link


@pytest.fixture
def agent(tmp_path, fake_link, clock):
    built = Agent(Database(tmp_path / "till.sqlite3"), fake_link, Till(STORE, "T1"), clock)
    built.sync_round()
    yield built
    if built.devices is not None:
        built.devices.stop()
    built.db.close()


@pytest.fixture
def with_devices(agent) -> Callable[..., DeviceManager]:
    """Give the agent a started device manager for a ``devices.config`` dict."""

    def make(raw: dict, **options) -> DeviceManager:
        manager = DeviceManager(agent, DeviceConfig.from_dict(raw), printer_poll=options.pop("printer_poll", 0.2),
                                **options)
        agent.use_devices(manager)
        manager.start()
        return manager

    return make


@pytest.fixture
def api(agent):
    return local_client(agent)
