"""The card on the phone (decoded by zbar), points and tier, clipping an offer that a till then applies."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from server.models import AuditRecord, ChangeRecord, ClippedOffer, SignInCode
from tests.integration.member_page.pages import SVG, decode_svg, join, post_form, sign_in
from tests.integration.pricing.conftest import scope
from tests.support.tills import line


def test_the_card_page_shows_codes_a_scanner_reads_back_as_the_card_number(client, desk, mailbox, tmp_path):
    _, card = join(client, desk)
    sign_in(client, mailbox)
    page = client.get("/me/").text
    barcode, qr = SVG.findall(page)
    assert decode_svg(barcode, tmp_path, "barcode", 600) == [card]
    assert decode_svg(qr, tmp_path, "qr", 400) == [card]
    assert card.startswith("27")  # the chain's range, so the till's scanner takes it for a card


def test_points_tier_progress_and_expiry_by_month(client, desk, mailbox, clock):
    member_id, _ = join(client, desk)
    adjusted = client.post(f"/api/v1/members/{member_id}/adjustments", headers=desk,
                           json={"id": str(uuid.uuid4()), "points": 1234, "reason": "welcome"})
    assert adjusted.status_code == 201, adjusted.json
    sign_in(client, mailbox)
    page = client.get("/me/").text
    assert '<dd id="balance">1,234</dd>' in page and '<dd id="available">1,234</dd>' in page
    assert 'id="tier">Basic<' in page
    assert "€500.00 more spend" in page and "reaches Silver" in page  # silver at 500.00 of spend
    # earned in March 2026: spendable to the end of the 12th month after it
    assert '<td>2027-03</td><td class="num">1,234</td>' in page


def test_a_clipped_offer_is_applied_by_a_till_and_only_once_clipped(client, desk, mailbox, catalogue, promote, till,
                                                                    services):
    member_id, card = join(client, desk)
    offer = promote("Yours: 1.00 off sauce", {"kind": "amount_off", "amount_minor": 100, "scope": scope(["SAUCE"])},
                    targeting={"clip": True})
    promote("Not for you", {"kind": "amount_off", "amount_minor": 50, "scope": scope(["PASTA"])},
            targeting={"clip": True, "tiers": ["gold"]})
    basket = {"store": "B2", "card_number": card, "lines": [{"sku": "SAUCE"}]}

    before = till.request("POST", "/api/v1/quotes", basket)
    assert before.status_code == 200 and before.json["total"] == 349

    sign_in(client, mailbox)
    offers_page = client.get("/me/offers").text
    assert "Yours: 1.00 off sauce" in offers_page and "Not for you" not in offers_page
    clipped = post_form(client, f"/me/offers/{offer['id']}/clip", "/me/offers")
    assert clipped.status_code == 302
    assert "On your card" in client.get("/me/offers").text

    after = till.request("POST", "/api/v1/quotes", basket)
    assert after.status_code == 200 and after.json["total"] == 249
    assert [d["label"] for d in after.json["lines"][0]["discounts"]] == ["Yours: 1.00 off sauce"]
    with services.db.session() as session:  # the member's snapshot tells offline tills too
        snapshot = session.scalars(select(ChangeRecord).where(ChangeRecord.entity_id == member_id)
                                   .order_by(ChangeRecord.order_key.desc())).first()
        assert snapshot.payload["clipped"] == [offer["id"]]

    post_form(client, f"/me/offers/{offer['id']}/unclip", "/me/offers")
    assert till.request("POST", "/api/v1/quotes", basket).json["total"] == 349


def test_an_offer_not_offered_to_the_member_cannot_be_clipped(client, desk, mailbox, catalogue, promote, services):
    join(client, desk)
    gold = promote("Gold only", {"kind": "amount_off", "amount_minor": 50, "scope": scope(["PASTA"])},
                   targeting={"clip": True, "tiers": ["gold"]})
    plain = promote("Everyone", {"kind": "amount_off", "amount_minor": 50, "scope": scope(["PASTA"])})
    sign_in(client, mailbox)
    for promotion in (gold, plain):
        response = post_form(client, f"/me/offers/{promotion['id']}/clip", "/me/profile")
        assert response.status_code == 302
    assert "has ended or is not one of yours" in client.get("/me/offers").text
    with services.db.session() as session:
        assert session.scalars(select(ClippedOffer)).all() == []


def test_activity_lists_own_sales_with_points_and_another_members_receipt_is_not_found(
        client, desk, mailbox, catalogue, till):
    _, card = join(client, desk)
    _, other_card = join(client, desk, name="Grace Hopper", email="grace@example.org", phone="+442079460959")
    mine = till.sale([line("1", 1990, qty=10, category="pasta", sku="PASTA")], card=card)
    theirs = till.sale([line("1", 995, qty=5, category="pasta", sku="PASTA")], card=other_card)
    assert mine.status_code == 201 and theirs.status_code == 201, (mine.json, theirs.json)
    sign_in(client, mailbox)
    activity = client.get("/me/activity").text
    assert "€19.90" in activity and "+19 points" in activity and "€9.95" not in activity
    receipt = client.get(f"/me/activity/{mine.json['transaction_id']}")
    assert receipt.status_code == 200 and "PASTA" in receipt.text
    assert client.get(f"/me/activity/{theirs.json['transaction_id']}").status_code == 404


def test_consents_are_saved_and_own_data_downloads_as_json(client, desk, mailbox, services):
    member_id, card = join(client, desk)
    sign_in(client, mailbox)
    saved = post_form(client, "/me/profile", "/me/profile", profiling="on")
    assert saved.status_code == 302
    download = client.get("/me/data.json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(download.data)
    assert data["profile"]["id"] == member_id and data["cards"][0]["number"] == card
    assert data["profile"]["consents"] == {"marketing_email": False, "marketing_sms": False, "profiling": True}
    with services.db.session() as session:
        actions = session.execute(select(AuditRecord.actor_type, AuditRecord.action)
                                  .where(AuditRecord.target == member_id)).all()
    assert ("member", "member.updated") in actions and ("member", "member.exported") in actions


def test_erasing_a_member_clears_clipped_offers_and_codes_and_signs_them_out(
        client, desk, mailbox, catalogue, promote, services):
    member_id, _ = join(client, desk)
    offer = promote("Yours", {"kind": "amount_off", "amount_minor": 100, "scope": scope(["SAUCE"])},
                    targeting={"clip": True})
    sign_in(client, mailbox)
    post_form(client, f"/me/offers/{offer['id']}/clip", "/me/offers")
    erased = client.post(f"/api/v1/members/{member_id}/erase", headers=desk, json={"reason": "asked to be forgotten"})
    assert erased.status_code in (200, 204), erased.json
    with services.db.session() as session:
        assert session.scalars(select(ClippedOffer)).all() == []
        assert session.scalars(select(SignInCode)).all() == []
    assert client.get("/me/").location.endswith("/me/sign-in")
