"""Members, cards, ledger, adjustments, merge, erase."""

import marshmallow as ma

from server.membership.search import MAX_RESULTS
from server.schemas.common import ConsentsSchema, PageQuerySchema, StrictSchema, int32

CARD_NUMBER = ma.validate.Regexp(r"^\d{13}$", error="a card number is 13 digits")


class MemberCreateSchema(StrictSchema):
    id = ma.fields.UUID(load_default=None, metadata={"description": "a till enrolling offline sends its own id"})
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    phone = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32))
    email = ma.fields.String(load_default=None, validate=ma.validate.Length(max=254))
    home_store = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32))
    created_at_store = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32))
    consents = ma.fields.Nested(ConsentsSchema, load_default=None)
    card_number = ma.fields.String(load_default=None, validate=CARD_NUMBER)


class MemberUpdateSchema(StrictSchema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32))
    email = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=254))
    home_store = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32))
    notes = ma.fields.String(validate=ma.validate.Length(max=2000))
    consents = ma.fields.Nested(ConsentsSchema)


class CardSchema(ma.Schema):
    number = ma.fields.String()
    kind = ma.fields.String()
    state = ma.fields.String()
    replaced_by = ma.fields.String(allow_none=True)
    issued_at = ma.fields.AwareDateTime()


class MemberSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    home_store = ma.fields.String(allow_none=True)
    created_at_store = ma.fields.String(allow_none=True)
    consents = ma.fields.Dict()
    notes = ma.fields.String()
    tier = ma.fields.String()
    tier_since = ma.fields.AwareDateTime()
    merged_into = ma.fields.UUID(allow_none=True)
    erased_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class EnrolledSchema(MemberSchema):
    card = ma.fields.Nested(CardSchema)


class MemberSearchQuerySchema(PageQuerySchema):
    q = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=200), metadata={
        "description": "a full card number, phone or e-mail, or at least 3 letters of the name"})
    limit = ma.fields.Integer(load_default=MAX_RESULTS, validate=ma.validate.Range(min=1, max=MAX_RESULTS))


class MemberPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MemberSchema))
    next_cursor = ma.fields.String(allow_none=True)


class MemberSummarySchema(ma.Schema):
    """What a till needs to serve a member: who (as a display name), which card, which tier."""

    id = ma.fields.UUID()
    display_name = ma.fields.String(metadata={"description": "first name and the initial of the last"})
    cards = ma.fields.List(ma.fields.String(), metadata={"description": "the member's active card numbers"})
    tier = ma.fields.String()


class MemberSummaryPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MemberSummarySchema))
    next_cursor = ma.fields.String(allow_none=True)


class AccountSchema(ma.Schema):
    member_id = ma.fields.String()
    tier = ma.fields.String()
    balance = ma.fields.Integer()
    available = ma.fields.Integer(metadata={"description": "redeemable now: live lots less debt and holds"})
    held = ma.fields.Integer()
    debt = ma.fields.Integer()
    offline_cap_points = ma.fields.Integer()
    offline_window_hours = ma.fields.Integer()
    as_of = ma.fields.AwareDateTime()


class MemberBriefSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    tier = ma.fields.String()
    home_store = ma.fields.String(allow_none=True)


class CardLookupSchema(ma.Schema):
    card = ma.fields.Nested(CardSchema)
    member = ma.fields.Nested(MemberBriefSchema)
    account = ma.fields.Nested(AccountSchema)


class CardIssueSchema(StrictSchema):
    number = ma.fields.String(load_default=None, validate=CARD_NUMBER)
    kind = ma.fields.String(load_default="printed", validate=ma.validate.OneOf(["printed", "smart", "digital"]))
    chip_uid = ma.fields.String(load_default=None, validate=ma.validate.Length(min=4, max=64))


class CardStateSchema(StrictSchema):
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(["active", "blocked", "lost"]))
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class CardReplaceSchema(StrictSchema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    new_number = ma.fields.String(load_default=None, validate=CARD_NUMBER)


class LedgerEntrySchema(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    points = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    expires_at = ma.fields.AwareDateTime(allow_none=True)
    source_id = ma.fields.String()
    offline = ma.fields.Boolean()
    reason = ma.fields.String()
    actor = ma.fields.String()


class LedgerPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(LedgerEntrySchema))
    next_cursor = ma.fields.String(allow_none=True)


class AdjustmentSchema(StrictSchema):
    id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64),
                          metadata={"description": "the client's id: a retry is applied once"})
    points = int32(minimum=-1_000_000, maximum=1_000_000, required=True)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class BalanceSchema(ma.Schema):
    balance = ma.fields.Integer()


class MergeSchema(StrictSchema):
    merge_member_id = ma.fields.UUID(required=True, metadata={"description": "the duplicate to merge away"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class MergedSchema(ma.Schema):
    survivor_id = ma.fields.UUID()
    merged_id = ma.fields.UUID()
    points_moved = ma.fields.Integer()


class EraseSchema(StrictSchema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class ExportSchema(ma.Schema):
    exported_at = ma.fields.String()
    profile = ma.fields.Dict()
    cards = ma.fields.List(ma.fields.Dict())
    ledger = ma.fields.List(ma.fields.Dict())
    transactions = ma.fields.List(ma.fields.Dict())
    holds = ma.fields.List(ma.fields.Dict())
    clipped_offers = ma.fields.List(ma.fields.Dict(), metadata={"description": "personal offers clipped to the card"})
    partner_transactions = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "points earned or spent at partner merchants"})
    messages = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "notices of promotions in the outbox for the member: channel, status, when sent"})
