"""Seeded baskets for the insights page's tests (integration and browser), worked out by hand:

  Ada    6 x CRISPS + DIP, this week
  Grace  3 x WATER five weeks ago (none since: lapsed), 1 x CRISPS this week (never DIP: a complement)
  Cy     10 x WATER + DIP this week, but Cy did not consent to profiling: never read
  => 10 baskets; CRISPS in 7, DIP in 6, both in 6: support 6/10 = 60.0 %, confidence CRISPS->DIP 6/7 =
  85.7 % and DIP->CRISPS 6/6 = 100.0 %, lift 6*10/(7*6) = 1.43. At 10 % off the shelf 1.50 + 2.00 =
  3.50 the bundle costs 3.15 (saving 0.35); projected 6 uses cost 2.10.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update

from server.models import Member, PostedTransaction
from server.pricing.products import create_product
from tests.support.factories import seed_member


def posted_sale(services, days_ago: float, skus: list[str], member_id: str) -> None:
    sale_id = f"sale-{uuid.uuid4().hex[:12]}"
    at = services.clock() - timedelta(days=days_ago)
    body = {"id": sale_id, "kind": "sale", "store": "S001", "terminal": "T1", "at": at.isoformat(),
            "lines": [{"line_id": str(n), "sku": sku, "qty": 1, "paid_minor": 0, "discounts": []}
                      for n, sku in enumerate(skus, start=1)]}
    with services.db.session() as session:
        session.add(PostedTransaction(id=sale_id, kind="sale", store_code="S001", terminal_code="T1", at=at,
                                      member_id=uuid.UUID(member_id), total_minor=0, body=body,
                                      body_hash="0" * 64, outcome={}, received_at=at))
        session.commit()


def profile(services, member_id: str, consent: bool = True) -> None:
    with services.db.session() as session:
        session.execute(update(Member).where(Member.id == uuid.UUID(member_id)).values(
            consents={"marketing_email": False, "marketing_sms": False, "profiling": consent}))
        session.commit()


def seed_baskets(services, chain) -> str:
    """The baskets of the module docstring; returns Grace's member id."""
    with services.db.session() as session:
        for sku, name, price in (("DIP", "Dip", 200), ("WATER", "Water", 100)):
            create_product(session, {"sku": sku, "name": name, "category": "snacks", "base_price_minor": price,
                                     "tax_class": "standard", "excluded_from_points": False, "active": True},
                           services.clock())
        session.commit()
    grace, _ = seed_member(services, 0, "Grace Hopper")
    cy, _ = seed_member(services, 0, "Cy Young")
    profile(services, chain.member_id), profile(services, grace), profile(services, cy, consent=False)
    for day in range(6):
        posted_sale(services, 1 + day * 0.5, ["CRISPS", "DIP"], chain.member_id)
    for day in (35, 36, 37):
        posted_sale(services, day, ["WATER"], grace)
    posted_sale(services, 2, ["CRISPS"], grace)
    for _ in range(10):
        posted_sale(services, 3, ["WATER", "DIP"], cy)
    return grace
