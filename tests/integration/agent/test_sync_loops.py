"""The feed puller and the journal sender over a fake link: idempotent pages, per-item acknowledgement."""

from __future__ import annotations

from pos_agent.store import cache, journal
from pos_agent.store.journal import JournalStatus
from tests.integration.agent.catalogue import BREAD
from tests.integration.agent.conftest import MEMBER_ID


def _bread(agent):
    with agent.db.reading() as conn:
        return cache.get(conn, "product", "BREAD")


def test_a_new_till_bootstraps_from_the_snapshot_and_then_follows_the_feed(agent, fake_link):
    assert _bread(agent)["base_price_minor"] == 249
    fake_link.publish("product", "BREAD", "upsert", {**BREAD, "base_price_minor": 279})
    agent.sync_round()
    assert _bread(agent)["base_price_minor"] == 279
    with agent.db.reading() as conn:
        assert cache.get_cursor(conn) == len(fake_link.feed)


def test_a_page_delivered_again_or_an_older_change_changes_nothing(agent, fake_link):
    fake_link.publish("product", "BREAD", "upsert", {**BREAD, "base_price_minor": 279})
    agent.sync_round()
    stale = fake_link.feed[0]  # any change with a smaller seq than what the till holds for BREAD
    with agent.db.transaction() as conn:
        assert cache.apply_change(conn, "product", "BREAD", stale.seq, {**BREAD, "base_price_minor": 1}) is False
        assert cache.apply_change(conn, "product", "BREAD", len(fake_link.feed), BREAD) is False
    assert _bread(agent)["base_price_minor"] == 279


def test_a_deleted_product_is_gone_and_its_barcode_with_it(agent, fake_link):
    fake_link.publish("product", "BREAD", "delete", None)
    agent.sync_round()
    assert agent.ref.product_for_code(BREAD["barcodes"][0]) is None


def test_only_applied_or_duplicate_acknowledge_retry_is_resent_and_rejected_is_kept(agent, fake_link, clock):
    with agent.db.transaction() as conn:
        for name in ("a-sale-0001", "a-return-01", "a-broken-01", "a-sale-0002"):
            journal.append(conn, name, "transaction", {"id": name}, clock())
    answers = {"a-return-01": "retry", "a-broken-01": "rejected", "a-sale-0002": "duplicate"}
    fake_link.answer = lambda item: {"id": item["id"], "status": answers.get(item["id"], "applied"),
                                     "reason": "original-unknown" if item["id"] == "a-return-01" else "bad"}
    agent.sender.drain()
    answers["a-return-01"] = "applied"
    agent.sender.drain()
    with agent.db.reading() as conn:
        counts = journal.counts(conn)
        rejected = journal.with_status(conn, JournalStatus.REJECTED)
    assert counts == {"pending": 0, "retry": 0, "acked": 3, "rejected": 1}
    assert [(i.id, i.last_error) for i in rejected] == [("a-broken-01", "bad:")]
    assert [[i["seq"] for i in b["items"]] for b in fake_link.batches] == [[1, 2, 3, 4], [2]]


def test_a_failed_send_keeps_every_item_pending_in_order(agent, fake_link, clock):
    with agent.db.transaction() as conn:
        journal.append(conn, "a-sale-0001", "transaction", {"id": "a-sale-0001"}, clock())
    fake_link.down = True
    assert agent.sync_round() > 0 and agent.mode.online is False
    fake_link.down = False
    agent.sync_round()
    assert agent.mode.online is True
    with agent.db.reading() as conn:
        assert journal.counts(conn)["acked"] == 1


def test_member_snapshots_are_cached_for_offline_decisions(agent):
    assert agent.ref.member(MEMBER_ID)["available"] == 5000


IDLE_CEILINGS = [1.0, 2.0, 4.0, 8.0, 8.0]  # the default sync interval (1 s) doubled up to 8 intervals


def _idle_rounds(agent, n=5):
    return [agent.sync_round() for _ in range(n)]


def _near(pauses, ceilings):
    """Each pause within the default jitter (+-20%) of its ceiling."""
    return all(0.8 * c <= p <= 1.2 * c for p, c in zip(pauses, ceilings, strict=True))


def _cash_sale(agent, code):
    basket = agent.checkout.open_basket()
    basket = agent.checkout.add_item(basket["id"], code)
    agent.checkout.add_tender(basket["id"], "cash")
    return agent.checkout.complete(basket["id"])


def test_an_idle_till_polls_ever_less_often_and_a_new_change_brings_it_back_to_the_interval(agent, fake_link):
    assert _near(_idle_rounds(agent), IDLE_CEILINGS)
    fake_link.publish("product", "BREAD", "upsert", {**BREAD, "base_price_minor": 279})
    assert _near([agent.sync_round()], [1.0])  # the round that brought the change
    assert _bread(agent)["base_price_minor"] == 279
    assert _near(_idle_rounds(agent, 3), [1.0, 2.0, 4.0])  # and idle again from the interval up


def test_a_completed_sale_wakes_the_loop_and_brings_the_polls_back_to_the_interval(agent, fake_link):
    _idle_rounds(agent)
    agent._wake.clear()
    done = _cash_sale(agent, BREAD["barcodes"][0])
    assert agent._wake.is_set()  # the loop's pause (up to 9.6 s) ends at once
    assert _near([agent.sync_round()], [1.0])  # the round that sent the sale
    with agent.db.reading() as conn:
        assert [i.id for i in journal.with_status(conn, JournalStatus.ACKED)] == [done["receipt_id"]]
    assert _near(_idle_rounds(agent, 2), [1.0, 2.0])


def test_a_failure_then_a_success_or_the_probe_finding_the_server_brings_the_polls_back(agent, fake_link):
    _idle_rounds(agent)
    fake_link.down = True
    agent.sync_round()
    fake_link.down = False
    assert _near(_idle_rounds(agent, 3), [1.0, 2.0, 4.0])
    agent._wake.clear()
    agent.back_online()  # what the health probe does when the server answers again
    assert agent._wake.is_set()
    assert _near(_idle_rounds(agent, 2), [1.0, 2.0])
