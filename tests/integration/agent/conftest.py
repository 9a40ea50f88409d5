"""Fixtures for agent tests: an agent on a fresh SQLite file, over a fake link or the real server."""

from __future__ import annotations

import pytest

from loyalty.cards import CardNumberScheme
from pos_agent.checkout.service import Till
from pos_agent.runtime import Agent
from pos_agent.store.database import Database
from tests.integration.agent.catalogue import STORE, card_payload, catalogue_changes, member_payload
from tests.integration.agent.fake_link import FakeServerLink
from tests.integration.agent.live import live_server  # noqa: F401 - a fixture shared by both folders
from tests.integration.agent.shop import shop  # noqa: F401 - the live agent tests' server with a catalogue

CARD = CardNumberScheme("27").number_for(1001)
MEMBER_ID = "0195f0a0-0000-7000-8000-000000000001"


@pytest.fixture
def fake_link(clock):
    link = FakeServerLink()
    for change in catalogue_changes():
        link.publish(*change)
    link.publish("member", MEMBER_ID, "upsert", member_payload(MEMBER_ID, available=5000, taken_at=clock()))
    link.publish("card", CARD, "upsert", card_payload(CARD, MEMBER_ID))
    return link


@pytest.fixture
def agent(tmp_path, fake_link, clock):
    built = Agent(Database(tmp_path / "till.sqlite3"), fake_link, Till(STORE, "T1"), clock)
    built.sync_round()
    yield built
    built.db.close()
