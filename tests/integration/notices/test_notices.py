"""Notices of limited specials, in-process (SQLite and PostgreSQL): who is told, what the message
says, exactly once under re-planning and retries, quiet hours on the home store's clock."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime

from server.jobs.tasks import deliver_notices
from server.models import Member
from tests.integration.notices.conftest import outbox_rows, settle
from tests.integration.notices.offers import NOTICE, SNACKS, WINDOW, announce


def held_out(promotion_id: str, member_id: str, share: int) -> bool:
    digest = hashlib.sha256(f"{promotion_id}\x1f{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < share


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.05)


def test_each_consenting_member_gets_one_message_by_the_channel_they_agreed_to(
        services, catalogue, promote, join, postbox, sms_gateway):
    ada = join("Ada", "ada@example.org", "+4915100000001", by_email=True, by_sms=True)
    bob = join("Bob", "bob@example.org", "+4915100000002", by_sms=True)
    join("Cy", "cy@example.org")  # agreed to nothing
    join("Di", None, None, by_email=True, by_sms=True)  # agreed, but gave no address
    offer = announce(promote)
    settle(services)
    assert postbox.count_by_address() == {"ada@example.org": 1}
    assert [m["to"] for m in sms_gateway.received] == ["+4915100000002"]
    mail = postbox.to("ada@example.org")[0]
    body = mail.get_content()
    assert mail["Subject"] == "Chips 30 % off"
    assert "Paprika chips 30 % off for you this week." in body
    assert "From 14 Mar 2026 01:00 until 21 Mar 2026 01:00" in body  # store B2's clock: Europe/Berlin
    assert "At Store B2." in body and "http://cards.example/me/unsubscribe/" in body
    rows = outbox_rows(services, offer["id"])
    assert {(str(r.member_id), r.channel, r.status) for r in rows} == {(ada, "email", "sent"), (bob, "sms", "sent")}
    assert mail["Message-ID"] == f"<{next(r.id for r in rows if str(r.member_id) == ada)}@onecard>"


def test_held_out_members_are_not_told_and_everyone_else_is(services, catalogue, promote, join, postbox):
    members = [join(f"M{n}", f"m{n}@example.org", by_email=True) for n in range(16)]
    offer = announce(promote, targeting={"holdout_bp": 5000})
    settle(services)
    expected = {f"m{n}@example.org" for n, m in enumerate(members) if not held_out(offer["id"], m, 5000)}
    assert 0 < len(expected) < 16
    assert postbox.count_by_address() == dict.fromkeys(expected, 1)


def test_a_notice_needs_a_targeted_audience(client, marketer, catalogue):
    answer = client.post("/api/v1/promotions", headers=marketer, json={
        "label": "Chips for all", "rule": SNACKS, "notice": NOTICE})
    assert answer.status_code == 422 and "notice" in answer.json["errors"]
    no_channel = client.post("/api/v1/promotions", headers=marketer, json={
        "label": "Chips", "rule": SNACKS, "targeting": {"members_only": True},
        "notice": {"text": "hello", "channels": []}})
    assert no_channel.status_code in (400, 422)


def test_publishing_again_or_running_the_job_again_sends_nothing_more(
        client, services, marketer, catalogue, promote, join, postbox):
    for n in range(5):
        join(f"M{n}", f"m{n}@example.org", by_email=True)
    offer = promote("Chips 30 % off", SNACKS, state="draft", targeting={"members_only": True}, window=WINDOW,
                    notice=NOTICE)
    settle(services)
    assert postbox.arrivals == []  # a draft tells no one
    for state in ("active", "paused", "active"):
        moved = client.post(f"/api/v1/promotions/{offer['id']}/state", headers=marketer, json={"state": state})
        assert moved.status_code == 200, moved.json
        settle(services)
    for _ in range(2):
        assert services.jobs.run(deliver_notices, timeout=30).state == "finished"
    assert sorted(postbox.count_by_address().values()) == [1] * 5
    assert {r.status for r in outbox_rows(services, offer["id"])} == {"sent"}


def test_a_refused_message_is_sent_once_by_the_retry_and_the_others_are_not_sent_again(
        services, clock, catalogue, promote, join, postbox):
    for n in range(4):
        join(f"M{n}", f"m{n}@example.org", by_email=True)
    postbox.refuse("m2@example.org", 1)
    offer = announce(promote)
    postbox.wait_for(3)
    wait_until(lambda: any(r.attempts == 1 and r.claimed_by is None and r.status == "pending"
                           for r in outbox_rows(services, offer["id"])))
    clock.advance(seconds=61)  # the refused row is due again a minute later; the job's retry comes back
    settle(services, timeout=40)
    assert postbox.count_by_address() == {f"m{n}@example.org": 1 for n in range(4)}
    rows = {r.status: r for r in outbox_rows(services, offer["id"]) if r.attempts == 2}
    assert list(rows) == ["sent"] and "did not take the message" in rows["sent"].last_error


def test_quiet_hours_hold_a_message_until_they_end_on_the_home_stores_clock(
        services, clock, catalogue, promote, join, postbox, store_in):
    store_in("TK", "Asia/Tokyo")
    clock.now = datetime(2026, 3, 14, 13, 30, tzinfo=UTC)  # 22:30 in Tokyo, 14:30 in Berlin
    join("Berlin", "berlin@example.org", by_email=True, home_store="B2")
    tokyo = join("Tokyo", "tokyo@example.org", by_email=True, home_store="TK")
    offer = announce(promote)
    settle(services)
    assert postbox.count_by_address() == {"berlin@example.org": 1}
    waiting = next(r for r in outbox_rows(services, offer["id"]) if str(r.member_id) == tokyo)
    assert waiting.status == "pending" and waiting.due_at == datetime(2026, 3, 14, 23, 0, tzinfo=UTC)  # 08:00 JST
    clock.now = datetime(2026, 3, 14, 22, 59, tzinfo=UTC)
    services.jobs.run(deliver_notices, timeout=30)
    assert "tokyo@example.org" not in postbox.count_by_address()
    clock.now = datetime(2026, 3, 14, 23, 0, tzinfo=UTC)
    services.jobs.run(deliver_notices, timeout=30)
    assert postbox.count_by_address() == {"berlin@example.org": 1, "tokyo@example.org": 1}


def test_a_message_held_up_past_the_start_of_quiet_hours_waits_for_the_morning(
        services, clock, catalogue, promote, join, postbox, store_in):
    store_in("SY", "Australia/Sydney")
    clock.now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)  # 20:30 in Sydney: planned as due at once
    join("Late", "late@example.org", by_email=True, home_store="SY")
    postbox.refuse("late@example.org", 1)
    offer = announce(promote)
    # The refusal puts the row back for a minute later; an hour later it is 21:31 in Sydney.
    wait_until(lambda: [(r.attempts, r.claimed_by) for r in outbox_rows(services, offer["id"])] == [(1, None)])
    clock.advance(minutes=61)
    services.jobs.run(deliver_notices, timeout=30)
    row = outbox_rows(services, offer["id"])[0]
    assert row.status == "pending" and row.due_at == datetime(2026, 3, 14, 21, 0, tzinfo=UTC)  # 08:00 AEDT
    assert postbox.arrivals == []


def test_erasing_a_member_clears_their_messages_in_the_outbox(client, desk, services, catalogue, promote, join,
                                                            postbox):
    ada = join("Ada", "ada@example.org", by_email=True)
    join("Bob", "bob@example.org", by_email=True)
    offer = announce(promote)
    settle(services)
    assert len(outbox_rows(services, offer["id"])) == 2
    exported = client.get(f"/api/v1/members/{ada}/export", headers=desk).json
    assert [(m["promotion_id"], m["channel"], m["status"]) for m in exported["messages"]] == [
        (offer["id"], "email", "sent")]
    erased = client.post(f"/api/v1/members/{ada}/erase", headers=desk, json={"reason": "asked to be forgotten"})
    assert erased.status_code == 200, erased.json
    assert [r.status for r in outbox_rows(services, offer["id"])] == ["sent"]
    assert ada not in {str(r.member_id) for r in outbox_rows(services, offer["id"])}
    with services.db.session() as session:
        assert session.get(Member, uuid.UUID(ada)).email is None


def test_a_message_still_waiting_when_its_promotion_ends_is_never_sent(
        client, services, clock, marketer, catalogue, promote, join, postbox, store_in):
    store_in("TK", "Asia/Tokyo")
    clock.now = datetime(2026, 3, 14, 13, 30, tzinfo=UTC)  # 22:30 in Tokyo: the message waits for the morning
    join("Tokyo", "tokyo@example.org", by_email=True, home_store="TK")
    offer = announce(promote)
    settle(services)
    ended = client.post(f"/api/v1/promotions/{offer['id']}/state", headers=marketer, json={"state": "ended"})
    assert ended.status_code == 200, ended.json
    clock.now = datetime(2026, 3, 14, 23, 0, tzinfo=UTC)
    services.jobs.run(deliver_notices, timeout=30)
    assert postbox.arrivals == []
    assert [(r.status, r.last_error) for r in outbox_rows(services, offer["id"])] == [
        ("skipped", "the promotion ended before the message went")]


def test_a_waiting_message_says_what_the_current_version_says_and_none_once_the_notice_is_dropped(
        client, services, clock, marketer, catalogue, promote, join, postbox, store_in):
    store_in("TK", "Asia/Tokyo")
    clock.now = datetime(2026, 3, 14, 13, 30, tzinfo=UTC)  # 22:30 in Tokyo: both messages wait for the morning
    join("Tokyo", "tokyo@example.org", by_email=True, home_store="TK")
    first, second = announce(promote), announce(promote)
    settle(services)
    definition = {"label": "Chips 30 % off", "rule": SNACKS, "targeting": {"members_only": True},
                  "window": WINDOW, "stores": ["B2"]}
    for offer, notice in ((first, {"text": "Now 30 % off, all week.", "channels": ["email"]}), (second, None)):
        edited = client.put(f"/api/v1/promotions/{offer['id']}", headers=marketer,
                            json={**definition, "notice": notice})
        assert edited.status_code == 200, edited.json
    clock.now = datetime(2026, 3, 14, 23, 0, tzinfo=UTC)
    services.jobs.run(deliver_notices, timeout=30)
    assert [m.get_content().splitlines()[0] for m in postbox.to("tokyo@example.org")] == ["Now 30 % off, all week."]
    assert [(r.status, r.last_error) for r in outbox_rows(services, second["id"])] == [
        ("skipped", "the notice was taken off the promotion before the message went")]
