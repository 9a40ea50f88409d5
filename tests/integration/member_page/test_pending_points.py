"""Pending points on the member page: sales a till sent that the server has not posted yet, at the till's figures."""

from __future__ import annotations

import re
import uuid

import pytest

from server.membership import journal
from tests.integration.member_page.pages import join, sign_in
from tests.support.tills import line


def _sale_item(till, card, paid, points_earned, **extra):
    sale_id = str(uuid.uuid4())
    body = {"id": sale_id, "kind": "sale", "store": till.store, "terminal": till.terminal,
            "at": till.clock().isoformat(), "offline": True, "card_number": card, "lines": [line("1", paid)],
            "tenders": [{"kind": "cash", "amount_minor": paid}], "points_earned": points_earned, **extra}
    return {"id": sale_id, "type": "transaction", "body": body}


def _push(till, items):
    batch = {"protocol_version": 1, "store": till.store, "terminal": till.terminal,
             "items": [{**item, "seq": n} for n, item in enumerate(items, start=1)]}
    response = till.request("POST", "/api/v1/sync/journal", batch)
    assert response.status_code == 200, response.json
    return [r["status"] for r in response.json["results"]]


def _figure(page: str, name: str) -> str:
    return re.search(rf'<dd id="{name}">(.*?)</dd>', page).group(1)


def test_a_sale_waiting_for_a_retry_is_pending_at_the_tills_figure_until_it_posts(
        client, desk, mailbox, till, monkeypatch: pytest.MonkeyPatch):
    _, card = join(client, desk)
    waiting = _sale_item(till, card, 2500, points_earned=25)
    refused = _sale_item(till, card, 1000, points_earned=99)
    refused["body"]["tenders"] = [{"kind": "points", "amount_minor": 1000, "points": 0}]  # never loads
    real_post = journal.post_transaction

    def server_trouble(*args, **kwargs):
        raise RuntimeError("the database went away mid-item")

    monkeypatch.setattr(journal, "post_transaction", server_trouble)
    assert _push(till, [waiting, refused]) == ["retry", "rejected"]

    sign_in(client, mailbox)
    page = client.get("/me/").text
    assert _figure(page, "pending") == "+25" and _figure(page, "balance") == "0"
    assert "1 sale a till sent us is not posted yet" in page  # the refused one waits on HQ, not on time

    monkeypatch.setattr(journal, "post_transaction", real_post)
    assert _push(till, [waiting]) == ["applied"]
    page = client.get("/me/").text
    assert _figure(page, "pending") == "0" and _figure(page, "balance") == "25"
    assert 'id="pending-note"' not in page
