"""The pure parts of notices: quiet hours on a store's clock, the channel a member is told by, the
local send rate, what the message says, and unsubscribe tokens."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest

from server.messaging.channels import Channel
from server.messaging.notice_text import compose
from server.messaging.outbox import choose_channel
from server.messaging.quiet_hours import not_before
from server.messaging.rate import LocalSendRate
from server.messaging.unsubscribe import InvalidUnsubscribeLink, read_token, unsubscribe_token

NIGHT = ("21:00", "08:00")


@pytest.mark.parametrize(("due", "zone", "expected"), [
    (datetime(2026, 12, 1, 22, 30, tzinfo=UTC), "Europe/Berlin", datetime(2026, 12, 2, 7, 0, tzinfo=UTC)),
    (datetime(2026, 12, 1, 6, 59, tzinfo=UTC), "Europe/Berlin", datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),
    (datetime(2026, 12, 1, 7, 0, tzinfo=UTC), "Europe/Berlin", datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),
    (datetime(2026, 12, 1, 19, 59, tzinfo=UTC), "Europe/Berlin", datetime(2026, 12, 1, 19, 59, tzinfo=UTC)),
    (datetime(2026, 12, 1, 20, 0, tzinfo=UTC), "Europe/Berlin", datetime(2026, 12, 2, 7, 0, tzinfo=UTC)),
    (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "Asia/Tokyo", datetime(2026, 12, 1, 23, 0, tzinfo=UTC)),
    (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "America/New_York", datetime(2026, 12, 1, 13, 0, tzinfo=UTC)),
    (datetime(2026, 12, 1, 13, 0, tzinfo=UTC), "America/New_York", datetime(2026, 12, 1, 13, 0, tzinfo=UTC)),
    # The night the clocks go forward in Berlin (29 March 2026): 08:00 is then 06:00 UTC, not 07:00.
    (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), "Europe/Berlin", datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
])
def test_a_message_due_in_quiet_hours_waits_until_they_end_on_the_stores_clock(due, zone, expected):
    assert not_before(due, NIGHT, zone) == expected


def test_daytime_quiet_hours_and_none_at_all():
    noon = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    assert not_before(noon, ("12:00", "14:00"), "UTC") == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert not_before(noon, None, "UTC") == noon


@pytest.mark.parametrize(("channels", "consents", "email", "phone", "expected"), [
    (["email", "sms"], {"marketing_email": True, "marketing_sms": True}, "a@x.org", "+49", Channel.EMAIL),
    (["email", "sms"], {"marketing_email": False, "marketing_sms": True}, "a@x.org", "+49", Channel.SMS),
    (["email", "sms"], {"marketing_email": True, "marketing_sms": True}, None, "+49", Channel.SMS),
    (["sms"], {"marketing_email": True}, "a@x.org", "+49", None),
    (["email"], {"marketing_email": True}, None, None, None),
    (["email", "sms"], {}, "a@x.org", "+49", None),
])
def test_a_member_is_told_by_email_if_they_agreed_and_have_an_address_else_by_sms(channels, consents, email, phone,
                                                                                   expected):
    assert choose_channel(channels, consents, email, phone) == expected


def test_the_local_send_rate_spaces_messages_a_fraction_of_a_second_apart():
    rate = LocalSendRate(20)
    started = time.monotonic()
    for _ in range(11):
        rate.acquire()
    assert time.monotonic() - started >= 0.5  # ten gaps of 50 ms


def test_the_message_names_the_offer_its_dates_on_the_store_clock_its_stores_and_the_way_out():
    definition = {"label": "Chips 30 % off", "notice": {"text": "For you this week.", "channels": ["email"]},
                  "window": {"start": "2026-03-14T23:00:00+00:00", "end": None}}
    mail = compose(definition, ["Store B2", "Store B3"], "Europe/Berlin", "http://x/me/unsubscribe/t", sms=False)
    assert mail.subject == "Chips 30 % off"
    assert mail.text.splitlines()[:2] == ["For you this week.",
                                          "From 15 Mar 2026 00:00, while it lasts. At Store B2, Store B3."]
    assert mail.text.endswith("No more offers by e-mail: http://x/me/unsubscribe/t")
    sms = compose({**definition, "window": {"start": None, "end": None}}, [], "UTC", "http://x/u", sms=True)
    assert sms.text == "For you this week.\nFrom now, while it lasts. At all our stores.\nStop: http://x/u"


def test_an_unsubscribe_token_reads_back_and_a_changed_or_foreign_one_is_refused():
    member = uuid.uuid4()
    token = unsubscribe_token("secret-one", member, Channel.SMS)
    assert read_token("secret-one", token) == (member, Channel.SMS)
    with pytest.raises(InvalidUnsubscribeLink):
        read_token("secret-two", token)
    with pytest.raises(InvalidUnsubscribeLink):
        read_token("secret-one", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
