"""The unsubscribe link end to end (caught by the SMTP server, followed on the member page), and the
promotion report's notice figures against the raw sales and the messages the server caught."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.models import AuditRecord, Card, Member
from server.reports.rollups import run_rollups
from tests.integration.admin_ui.backoffice import sign_in
from tests.integration.notices.conftest import settle
from tests.integration.notices.offers import NOTICE, SNACKS, WINDOW, announce
from tests.integration.notices.postbox import LINK
from tests.integration.reports.model import raw_transactions
from tests.support.factories import login, make_staff

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def consents_of(services, member_id: str) -> dict:
    with services.db.session() as session:
        return dict(session.get(Member, uuid.UUID(member_id)).consents)


def test_the_unsubscribe_link_in_the_message_turns_off_that_consent_and_says_so(
        client, services, catalogue, promote, join, postbox):
    ada = join("Ada", "ada@example.org", "+4915100000001", by_email=True, by_sms=True)
    announce(promote)
    settle(services)
    link = LINK.search(postbox.to("ada@example.org")[0].get_content()).group(1)
    path = link.removeprefix("http://cards.example")
    asked = client.get(path)
    assert asked.status_code == 200 and "No more offers by e-mail?" in asked.text
    assert consents_of(services, ada)["marketing_email"] is True  # a mail scanner fetching the link changes nothing
    done = client.post(path, data={"csrf_token": CSRF.search(asked.text).group(1)})
    assert done.status_code == 200 and "You will get no more offers by e-mail from OneCard." in done.text
    assert consents_of(services, ada) == {"marketing_email": False, "marketing_sms": True, "profiling": False}
    with services.db.session() as session:
        audit = session.scalars(select(AuditRecord).where(AuditRecord.action == "member.unsubscribed")).one()
    assert (audit.actor_type, audit.actor, audit.target, audit.details) == (
        "member", ada, ada, {"channel": "email", "consent": "marketing_email"})
    promote("Cola 2 for 1", {"kind": "percent_off", "percent_bp": 5000, "scope": {"skus": ["COLA"], "categories": [],
                                                                                   "whole_basket": False}},
            targeting={"members_only": True}, notice={"text": "Cola for less.", "channels": ["email"]})
    settle(services)
    assert len(postbox.to("ada@example.org")) == 1  # the next notice by e-mail does not reach her


def test_a_notice_by_email_offers_one_click_unsubscribe_that_a_mail_client_posts_without_a_page(
        client, services, catalogue, promote, join, postbox):
    ada = join("Ada", "ada@example.org", "+4915100000001", by_email=True, by_sms=True)
    announce(promote)
    settle(services)
    message = postbox.to("ada@example.org")[0]
    link = LINK.search(message.get_content()).group(1)
    assert message["List-Unsubscribe"] == f"<{link}>" and link.startswith("http://cards.example/me/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link.removeprefix("http://cards.example")
    unsigned = client.post(path, data={"List-Unsubscribe": "Yes"})  # not the RFC 8058 body: the CSRF check stands
    assert unsigned.status_code == 400 and consents_of(services, ada)["marketing_email"] is True
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})  # what a mail client sends: no cookie, no token
    assert done.status_code == 200 and "You will get no more offers by e-mail from OneCard." in done.text
    assert consents_of(services, ada) == {"marketing_email": False, "marketing_sms": True, "profiling": False}
    with services.db.session() as session:
        audit = session.scalars(select(AuditRecord).where(AuditRecord.action == "member.unsubscribed")).one()
    assert (audit.actor_type, audit.actor, audit.details) == (
        "member", ada, {"channel": "email", "consent": "marketing_email"})
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # a retried POST is harmless
    with services.db.session() as session:
        assert len(session.scalars(select(AuditRecord).where(AuditRecord.action == "member.unsubscribed")).all()) == 1


def test_a_one_click_post_with_a_forged_link_is_refused_and_changes_nothing(client, services, join):
    ada = join("Ada", "ada@example.org", by_email=True)
    refused = client.post("/me/unsubscribe/eyJtIjoiMSJ9.forged", data={"List-Unsubscribe": "One-Click"})
    assert refused.status_code == 404
    assert consents_of(services, ada)["marketing_email"] is True


def test_a_forged_or_cut_unsubscribe_link_is_refused_and_changes_nothing(client, services, join):
    ada = join("Ada", "ada@example.org", by_email=True)
    asked = client.get("/me/unsubscribe/eyJtIjoiMSJ9.forged")
    assert asked.status_code == 404 and "not one OneCard sent" in asked.text
    sent = client.get("/me/sign-in")
    refused = client.post("/me/unsubscribe/eyJtIjoiMSJ9.forged",
                          data={"csrf_token": CSRF.search(sent.text).group(1)})
    assert refused.status_code == 404
    assert consents_of(services, ada)["marketing_email"] is True


def test_the_promotion_report_counts_members_told_and_those_of_them_who_bought(
        client, services, clock, catalogue, promote, join, postbox, till):
    make_staff(services, "hanna", "hq")
    members = {join(f"M{n}", f"m{n}@example.org", by_email=n < 5): f"m{n}@example.org" for n in range(7)}
    with services.db.session() as session:
        cards = {str(m): number for m, number in session.execute(select(Card.member_id, Card.number))}
    offer = announce(promote)
    settle(services)
    buyers = list(members)[::2]  # told and untold members buy, some twice; one buys after the window
    for n, member_id in enumerate(buyers):
        for visit in range(1 + n % 2):
            clock.now = datetime(2026, 3, 15, 10, tzinfo=UTC) + timedelta(days=n, hours=visit)
            sold = till.sale([{"line_id": "1", "sku": "CHIPS", "qty": 1, "category": "snacks", "paid_minor": 250}],
                             card=cards[member_id])
            assert sold.status_code == 201, sold.json
    clock.now = datetime(2026, 3, 22, 12, tzinfo=UTC)
    late = till.sale([{"line_id": "1", "sku": "COLA", "qty": 1, "category": "drinks", "paid_minor": 150}],
                     card=cards[list(members)[1]])
    assert late.status_code == 201, late.json
    clock.now = datetime(2026, 3, 23, 12, tzinfo=UTC)
    run_rollups()
    report = client.get(f"/api/v1/reports/promotions/{offer['id']}", headers=login(client, "hanna")).json

    told = {member_id for member_id, address in members.items() if address in postbox.count_by_address()}
    first, last = datetime(2026, 3, 14, tzinfo=UTC), datetime(2026, 3, 21, tzinfo=UTC)
    bought = {str(t["member_id"]) for t in raw_transactions(services)
              if t["kind"] == "sale" and first <= t["at"] < last and str(t["member_id"]) in told}
    assert len(told) == 5 and 0 < len(bought) < len(told)
    assert report["notice"] == {"channels": ["email", "sms"], "told": len(told), "told_bought": len(bought),
                                "waiting": 0}


def test_a_promotion_without_a_notice_reports_none(client, services, catalogue, promote):
    make_staff(services, "hanna", "hq")
    offer = promote("Chips", SNACKS, targeting={"members_only": True}, window=WINDOW)
    report = client.get(f"/api/v1/reports/promotions/{offer['id']}", headers=login(client, "hanna")).json
    assert report["notice"] is None and NOTICE["channels"] == ["email", "sms"]


def test_the_back_office_promotion_page_shows_the_notice_and_how_far_it_got(
        client, services, clock, catalogue, promote, join, postbox, store_in):
    store_in("TK", "Asia/Tokyo")
    clock.now = datetime(2026, 3, 14, 13, 30, tzinfo=UTC)  # 22:30 in Tokyo, 14:30 in Berlin
    join("Berlin", "berlin@example.org", by_email=True)
    join("Tokyo", "tokyo@example.org", by_email=True, home_store="TK")
    offer = announce(promote)
    settle(services)
    make_staff(services, "marketing", "marketing")
    sign_in(client, "marketing")
    shown = client.get(f"/admin/promotions/{offer['id']}").get_data(as_text=True)
    notice = re.search(r'<dd id="notice">(.*?)</dd>', shown, re.S).group(1)
    assert notice == ("by e-mail or text message when published: “Paprika chips 30 % off for you this week.”. "
                      "Sent to 1 member, 1 waiting (quiet hours or send rate)")
