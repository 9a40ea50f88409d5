"""Test helpers for the back office: a chain to look at, staff of every role, signing in by form."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from server.audit import Actor
from server.pricing.products import create_product
from server.pricing.segments import create_segment
from server.pricing.versions import create_promotion
from server.schemas.promotions import DefinitionSchema
from tests.support.factories import PASSWORD, make_staff, make_terminal, seed_member

ROLES = ("cashier", "marketing", "member_service", "hq", "admin")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Chain:
    member_id: str
    card: str
    promotion_id: str
    store: str = "S001"
    request_id: str = ""  # a pending adjustment request, where a test seeds one
    exception_id: str = ""  # a reconciliation exception, where a test seeds one
    partner_key_id: str = ""  # a live key of partner CINEMA, where a test seeds one


def seed_chain(services) -> Chain:
    """One staff user per role (named after it), a store with a till, a member, a promotion, a segment."""
    for role in ROLES:
        make_staff(services, role.replace("_", "-"), role)
    make_terminal(services, "S001", "T1")
    member_id, card = seed_member(services, 1500, "Ada Lovelace")
    now = services.clock()
    with services.db.session() as session:
        create_product(session, {"sku": "CRISPS", "name": "Crisps", "category": "snacks", "base_price_minor": 150,
                                 "tax_class": "standard", "excluded_from_points": False, "active": True}, now)
        definition = DefinitionSchema().load({
            "label": "10% off snacks", "rule": {"kind": "percent_off", "percent_bp": 1000,
                                                "scope": {"categories": ["snacks"]}}})
        promotion = create_promotion(session, definition, "draft", now, Actor.system("test"), services.program)
        create_segment(session, "Gold members", {"tiers": ["gold"]}, None, services.program, now)
        session.commit()
        promotion_id = str(promotion.id)
    return Chain(member_id, card, promotion_id)


def username_of(role: str) -> str:
    return role.replace("_", "-")


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client, role: str, password: str = PASSWORD):
    """Sign in through the form, as a browser does; returns the response to the form."""
    token = csrf_of(client.get("/admin/sign-in").get_data(as_text=True))
    return client.post("/admin/sign-in", data={"username": username_of(role), "password": password,
                                               "csrf_token": token})


def page_token(client, path: str = "/admin/") -> str:
    """The signed-in session's CSRF token, read from a page as a browser would."""
    return csrf_of(client.get(path).get_data(as_text=True))


def seed_waiting_adjustment(services, chain: Chain, points: int = 6000, by: str = "member_service") -> str:
    """An adjustment above ``by``'s limit, kept pending for a second user; returns the request id."""
    from server.membership.adjustment_approvals import request_adjustment

    with services.db.session() as session:
        outcome = request_adjustment(session, uuid.UUID(chain.member_id), f"seed-{points}", points,
                                     "receipts found after the sale", services.settings.adjust_limit(by),
                                     services.program, services.clock(), Actor.staff(username_of(by)))
        session.commit()
        return str(outcome.request.id)


def seed_reconciliation_exception(services, store: str = "S001", terminal: str = "T1") -> str:
    """An offline sale at ``store``/``terminal`` whose points the server counted differently; returns the
    exception's id. Written directly: the page reads these rows, however posting came to write them."""
    from datetime import timedelta

    from server.models import PostedTransaction, ReconciliationException

    now = services.clock()
    sale_id = f"sale-{uuid.uuid4().hex[:12]}"
    with services.db.session() as session:
        session.add(PostedTransaction(id=sale_id, kind="sale", store_code=store, terminal_code=terminal,
                                      at=now - timedelta(hours=3), offline=True, total_minor=1299, body={},
                                      body_hash="0" * 64, outcome={}, received_at=now))
        session.flush()
        found = ReconciliationException(transaction_id=sale_id, kind="points_differ", till_value=130,
                                        server_value=120, detail="the till counted 130 points, the server 120",
                                        store_code=store, created_at=now)
        session.add(found)
        session.commit()
        return str(found.id)


def seed_partner(services, code: str = "CINEMA") -> str:
    """A partner merchant with one live earn key; returns the key's id."""
    from loyalty.partners import PartnerTerms
    from server.partners.keys import create_partner, issue_key

    with services.db.session() as session:
        partner = create_partner(session, code, "Odeon", PartnerTerms(1, 100, 80, 100), services.clock(),
                                 Actor.system("test"))
        key_id = issue_key(session, partner, ["earn"], services.clock(), Actor.system("test")).key_id
        session.commit()
        return key_id
