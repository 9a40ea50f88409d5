"""Merging duplicate members moves the duplicate's clipped offers to the survivor, once each, audited."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.models import AuditRecord, ClippedOffer
from tests.integration.member_page.pages import join
from tests.integration.pricing.conftest import scope


def _clip(services, member_id: str, promotion_id: str, clock) -> None:
    with services.db.session() as session:
        session.add(ClippedOffer(member_id=uuid.UUID(member_id), promotion_id=uuid.UUID(promotion_id),
                                 clipped_at=clock.now))
        session.commit()


def _clipped(services, member_id: str) -> set[str]:
    with services.db.session() as session:
        return {str(p) for p in session.scalars(select(ClippedOffer.promotion_id)
                                                .where(ClippedOffer.member_id == uuid.UUID(member_id)))}


def test_merging_moves_the_duplicates_clips_keeps_a_shared_clip_once_and_audits_both(
        client, desk, catalogue, promote, till, services, clock):
    survivor, card = join(client, desk, name="Ada Lovelace", email="ada@example.org", phone="+442079460958")
    duplicate, _ = join(client, desk, name="Ada L", email="ada.l@example.org", phone="+442079460959")
    sauce = promote("1.00 off sauce", {"kind": "amount_off", "amount_minor": 100, "scope": scope(["SAUCE"])},
                    targeting={"clip": True})
    pasta = promote("0.50 off pasta", {"kind": "amount_off", "amount_minor": 50, "scope": scope(["PASTA"])},
                    targeting={"clip": True})
    _clip(services, survivor, pasta["id"], clock)
    _clip(services, duplicate, pasta["id"], clock)
    _clip(services, duplicate, sauce["id"], clock)

    merged = client.post(f"/api/v1/members/{survivor}/merge", headers=desk,
                         json={"merge_member_id": duplicate, "reason": "same person, two sign-ups"})
    assert merged.status_code == 200, merged.json

    assert _clipped(services, survivor) == {pasta["id"], sauce["id"]}
    assert _clipped(services, duplicate) == set()
    with services.db.session() as session:
        record = session.scalars(select(AuditRecord).where(AuditRecord.action == "member.merged")).one()
        assert record.details["clipped_offers_moved"] == [sauce["id"]]
        assert record.details["clipped_offers_already_held"] == [pasta["id"]]
    # the survivor's card now takes the moved clip at the till, the shared one once
    basket = {"store": "B2", "card_number": card, "lines": [{"sku": "SAUCE"}, {"sku": "PASTA"}]}
    quoted = till.request("POST", "/api/v1/quotes", basket)
    assert quoted.status_code == 200, quoted.json
    labels = [d["label"] for line in quoted.json["lines"] for d in line["discounts"]]
    assert sorted(labels) == ["0.50 off pasta", "1.00 off sauce"]
