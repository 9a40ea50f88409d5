"""A real agent and the real server under two programme versions: marketing publishes version 2
(2 points per 1.00) to take effect a few seconds later; sales made before that time, online and
offline, earn by version 1, sales after it by version 2, and the till and the server agree to the
point on each, whenever the offline ones arrive."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime, timedelta

import requests

from server.membership.program import starter_body
from tests.integration.agent.live import wait_until
from tests.integration.agent.test_server_decides_live import COFFEE, WINE, _acked, _basket, _posted
from tests.support.factories import PASSWORD, make_staff

LEAD = timedelta(seconds=4)  # time to take the sales "before" once the till has version 2


def _publish_version_2(server) -> datetime:
    make_staff(server.services, "mia", "marketing")
    token = requests.post(f"{server.url}/api/v1/auth/token", json={"username": "mia", "password": PASSWORD},
                          timeout=5).json()["access_token"]
    body = copy.deepcopy(starter_body(server.services.settings))
    body["earning"]["points"] = 2
    effective = datetime.now(UTC) + LEAD
    response = requests.post(f"{server.url}/api/v1/programme/versions", timeout=5,
                             headers={"Authorization": f"Bearer {token}"},
                             json={"programme": body, "effective_from": effective.isoformat()})
    assert response.status_code == 201, response.text
    assert response.json()["number"] == 2
    return effective


def _has_version_2(till) -> bool:
    return len(till.ref._get("program", "loyalty").get("versions", [])) == 2


def _sale(till, card):
    # wine 12.99 less 10% = 11.69, coffee 15.00: 26.69 -> 26 points by version 1, 53 by version 2
    return till.checkout.complete(_basket(till, card, WINE, COFFEE))


def _server_agrees(shop, done, version: int) -> None:
    outcome = _posted(shop, done["receipt_id"]).outcome
    assert outcome["exceptions"] == []
    assert outcome["programme_version"] == version
    assert outcome["points_earned"] == done["points"]["to_earn"]


def test_sales_before_and_after_a_new_versions_effective_time_agree_online_and_offline(shop):
    member_id, card = shop.server.enrol(points=1000)
    with shop.till("B1") as till:
        wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
        effective = _publish_version_2(shop.server)
        wait_until(lambda: _has_version_2(till), what="version 2 at the till")
        online_before = _sale(till, card)
        shop.server.stop()
        wait_until(lambda: not till.mode.online, what="the till noticing")
        offline_before = _sale(till, card)
        assert datetime.now(UTC) < effective, "the sales 'before' took longer than the lead time"
        time.sleep(max((effective - datetime.now(UTC)).total_seconds(), 0) + 0.2)
        offline_after = _sale(till, card)
        shop.server.start()
        wait_until(lambda: till.mode.online, what="the till back online")
        online_after = _sale(till, card)
        _acked(till, 4)
    earned = [done["points"]["to_earn"] for done in (online_before, offline_before, offline_after, online_after)]
    assert earned == [26, 26, 53, 53]
    assert [d["points"]["pending"] for d in (offline_before, offline_after)] == [True, True]
    for done, version in ((online_before, 1), (offline_before, 1), (offline_after, 2), (online_after, 2)):
        _server_agrees(shop, done, version)
    assert _posted(shop, offline_after["receipt_id"]).offline
    assert shop.server.account(member_id).balance == 1000 + sum(earned)
