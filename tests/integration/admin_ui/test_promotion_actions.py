"""Publishing, pausing and ending a promotion from its page, said in words first; coupon batches."""

from __future__ import annotations

import csv
import io
import uuid

from sqlalchemy import select

from server.audit import Actor
from server.models import AuditRecord, CouponCode, PromotionRecord
from server.pricing.versions import create_promotion
from server.schemas.promotions import DefinitionSchema
from tests.integration.admin_ui.backoffice import page_token, sign_in


def state_of(services, promotion_id: str) -> str:
    with services.db.session() as session:
        return session.get(PromotionRecord, uuid.UUID(promotion_id)).state


def coupon_promotion(services) -> str:
    with services.db.session() as session:
        record = create_promotion(session, DefinitionSchema().load({
            "label": "2.00 off crisps with a coupon", "coupon": {"single_use": True},
            "rule": {"kind": "amount_off", "amount_minor": 200, "scope": {"skus": ["CRISPS"]}}}),
            "draft", services.clock(), Actor.system("test"), services.program)
        session.commit()
        return str(record.id)


def test_publishing_says_what_it_will_do_before_anything_changes(services, client, chain):
    sign_in(client, "marketing")
    page = client.get(f"/admin/promotions/{chain.promotion_id}").get_data(as_text=True)
    assert f"/admin/promotions/{chain.promotion_id}/state?to=active" in page and "Publish now…" in page
    confirm = client.get(f"/admin/promotions/{chain.promotion_id}/state", query_string={"to": "active"})
    text = confirm.get_data(as_text=True)
    assert "Tills start applying it as soon as they next read the server&#39;s changes." in text
    assert "It applies to every customer, member or not (1 member in good standing)." in text
    assert "It has no end date" in text
    assert state_of(services, chain.promotion_id) == "draft"
    response = client.post(f"/admin/promotions/{chain.promotion_id}/state",
                           data={"csrf_token": page_token(client), "to": "active", "reason": "spring campaign"})
    assert "10% off snacks is now active." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert state_of(services, chain.promotion_id) == "active"
    with services.db.session() as session:
        record = session.scalars(select(AuditRecord).where(AuditRecord.action == "promotion.active")).one()
        assert (record.actor, record.reason) == ("marketing", "spring campaign")


def test_a_live_promotion_is_paused_then_ended_and_then_offers_no_move(services, client, chain):
    sign_in(client, "marketing")
    path = f"/admin/promotions/{chain.promotion_id}/state"
    client.post(path, data={"csrf_token": page_token(client), "to": "active"})
    pause = client.get(path, query_string={"to": "paused"}).get_data(as_text=True)
    assert "sales already made keep their discounts" in pause
    client.post(path, data={"csrf_token": page_token(client), "to": "paused"})
    assert "Resume…" in client.get(f"/admin/promotions/{chain.promotion_id}").get_data(as_text=True)
    client.post(path, data={"csrf_token": page_token(client), "to": "ended"})
    assert state_of(services, chain.promotion_id) == "ended"
    page = client.get(f"/admin/promotions/{chain.promotion_id}").get_data(as_text=True)
    assert "An ended promotion stays as it was" in page
    refused = client.get(path, query_string={"to": "active"})
    assert refused.status_code == 400 and "This promotion is ended: it cannot be moved that way" in refused.get_data(
        as_text=True)


def test_a_coupon_batch_is_generated_listed_with_its_uses_and_downloaded(services, client, chain):
    promotion_id = coupon_promotion(services)
    sign_in(client, "marketing")
    page = client.get(f"/admin/promotions/{promotion_id}").get_data(as_text=True)
    assert "Generate codes" in page
    response = client.post(f"/admin/promotions/{promotion_id}/coupons",
                           data={"csrf_token": page_token(client), "count": "25", "prefix": "spring26"})
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "25 codes generated" in listing and "1–25 of 25" in listing
    with services.db.session() as session:
        codes = session.scalars(select(CouponCode).where(CouponCode.promotion_id == uuid.UUID(promotion_id))).all()
        codes[0].uses = 1
        used = codes[0].code
        session.commit()
    assert all(code.code.startswith("SPRING26") for code in codes)
    download = client.get(f"/admin/promotions/{promotion_id}/coupons", query_string={"used": "yes", "format": "csv"})
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0] == ["Code", "Uses", "Batch", "Created"]
    assert [(row[0], row[1]) for row in rows[1:]] == [(used, "1")]


def test_coupons_for_a_promotion_without_a_coupon_section_are_refused_in_words(client, chain):
    sign_in(client, "marketing")
    response = client.post(f"/admin/promotions/{chain.promotion_id}/coupons",
                           data={"csrf_token": page_token(client), "count": "10"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "this promotion is not a coupon offer" in page
    bad = client.post(f"/admin/promotions/{chain.promotion_id}/coupons",
                      data={"csrf_token": page_token(client), "count": "ten"})
    assert "How many: enter a whole number of codes from 1 to 100,000." in client.get(
        bad.headers["Location"]).get_data(as_text=True)
