"""What the change feed carries: one payload schema per entity type, shared by server and agent.

The server publishes the full new state of an entity (``op`` upsert) or its removal (delete);
an agent stores the latest payload per (entity_type, entity_id). Unknown fields are ignored on
load so a newer server can add fields without breaking older tills.
"""

from __future__ import annotations

from enum import StrEnum

import marshmallow as ma


class Entity(StrEnum):
    STORE = "store"  # id: store code
    PROGRAM = "program"  # id: "loyalty" — the loyalty programme: every version with its effective time
    PRODUCT = "product"  # id: sku
    PROMOTION = "promotion"  # id: promotion id; payload holds the active version's definition
    MEMBER = "member"  # id: member uuid; a balance snapshot for offline decisions
    CARD = "card"  # id: card number
    STAFF = "staff"  # id: staff user uuid; a cashier or manager who may sign in at a till with a PIN


class _Payload(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class StorePayload(_Payload):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True)
    prices_include_tax = ma.fields.Boolean(load_default=True, metadata={
        "description": "shelf prices contain the tax (false: tax is added on top)"})


class ProgrammeVersionPayload(_Payload):
    number = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    effective_from = ma.fields.AwareDateTime(required=True)
    programme = ma.fields.Dict(required=True, metadata={
        "description": "the version's body, as GET /api/v1/programme/versions/{n} shows it"})


class ProgramPayload(_Payload):
    """The loyalty rules a till needs offline: every programme version with its effective time, and
    (for tills that predate versions) the version in force when published, as plain numbers."""

    currency = ma.fields.String(required=True)
    card_prefix = ma.fields.String(required=True)
    points_per_unit = ma.fields.Integer(required=True)
    unit_minor = ma.fields.Integer(required=True)
    tier_multipliers = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), load_default=dict,
                                      metadata={"description": "tier -> fraction as text, e.g. '3/2'"})
    excluded_categories = ma.fields.List(ma.fields.String(), load_default=list)
    expiry_months = ma.fields.Integer(required=True)
    redeem_step_points = ma.fields.Integer(required=True)
    redeem_step_minor = ma.fields.Integer(required=True)
    redeem_minimum_points = ma.fields.Integer(required=True)
    redeem_max_share = ma.fields.String(required=True, metadata={"description": "fraction as text, '1/2'"})
    offline_cap_points = ma.fields.Integer(required=True)
    offline_window_hours = ma.fields.Integer(required=True)
    offline_max_data_age_hours = ma.fields.Integer(required=True)
    hold_ttl_seconds = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1), metadata={
        "description": "how long the server keeps an online points hold (the programme's hold lifetime)"})
    versions = ma.fields.List(ma.fields.Nested(ProgrammeVersionPayload), load_default=list)


class ProductPayload(_Payload):
    sku = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.String(load_default="")
    base_price_minor = ma.fields.Integer(required=True)
    excluded_from_points = ma.fields.Boolean(load_default=False)
    barcodes = ma.fields.List(ma.fields.String(), load_default=list)
    active = ma.fields.Boolean(load_default=True)
    tax_class = ma.fields.String(load_default="standard")
    tax_rate_bp = ma.fields.Integer(load_default=0, metadata={"description": "the tax class's rate, 2000 = 20 %"})


class PromotionPayload(_Payload):
    id = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    definition = ma.fields.Dict(required=True, metadata={"description": "the version's rule, as the API takes it"})
    cap_reached = ma.fields.Boolean(load_default=False, metadata={
        "description": "a chain-capped promotion whose posted uses reached its cap: no till grants it offline"})


class PromotionUsePayload(_Payload):
    """One sale in which a usage-limited promotion gave the member something."""

    promotion_id = ma.fields.String(required=True)
    transaction_id = ma.fields.String(required=True)
    at = ma.fields.AwareDateTime(required=True)


class MemberPayload(_Payload):
    """What a till may know of a member to serve them offline."""

    id = ma.fields.String(required=True)
    name = ma.fields.String(load_default="")
    tier = ma.fields.String(required=True)
    home_store = ma.fields.String(allow_none=True, load_default=None)
    balance = ma.fields.Integer(required=True)
    available = ma.fields.Integer(required=True, metadata={"description": "redeemable at taken_at"})
    debt = ma.fields.Integer(load_default=0)
    taken_at = ma.fields.AwareDateTime(required=True)
    segments = ma.fields.List(ma.fields.String(), load_default=list)
    promotion_uses = ma.fields.List(ma.fields.Nested(PromotionUsePayload), load_default=list, metadata={
        "description": "uses of live usage-limited promotions recent enough to count in a current period"})
    clipped = ma.fields.List(ma.fields.String(), load_default=list, metadata={
        "description": "ids of the personal offers the member clipped to their card on the member page"})


class ErasedMemberPayload(_Payload):
    """A member delete that says the person was erased: the till drops them and scrubs its own copies.

    Every earlier change of an erased member is rewritten to this tombstone (under its own seq);
    the erase's last change also lists the ids of journal items the server found naming the person.
    """

    id = ma.fields.String(required=True)
    erased = ma.fields.Boolean(required=True)
    journal_items = ma.fields.List(ma.fields.String(), load_default=list)


def erased_member(payload: dict | None) -> dict | None:
    """The erasure a member delete carries, or None for a plain withdrawal."""
    if not payload or not payload.get("erased"):
        return None
    return ErasedMemberPayload().load(payload)


class CardPayload(_Payload):
    number = ma.fields.String(required=True)
    member_id = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={"description": "active, blocked, lost or replaced"})
    chip_uid = ma.fields.String(allow_none=True, load_default=None)


class StaffPayload(_Payload):
    """A staff user a till lets sign in: never the PIN itself, only its salted slow hash.

    The server publishes a staff user once an admin set their PIN, and removes them (a delete) when
    the user is disabled, so a till stops accepting their PIN at its next sync.
    """

    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True, metadata={"description": "the name shown on the register and receipt"})
    role = ma.fields.String(required=True, metadata={"description": "cashier, manager or admin (managers approve)"})
    pin_hash = ma.fields.String(required=True, metadata={"description": "Argon2id hash of the PIN (PHC string)"})


PAYLOADS: dict[str, type[ma.Schema]] = {
    Entity.STORE: StorePayload,
    Entity.PROGRAM: ProgramPayload,
    Entity.PRODUCT: ProductPayload,
    Entity.PROMOTION: PromotionPayload,
    Entity.MEMBER: MemberPayload,
    Entity.CARD: CardPayload,
    Entity.STAFF: StaffPayload,
}
