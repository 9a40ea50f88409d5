"""Quotes: a basket to price, and every figure of the priced basket."""

import marshmallow as ma

from server.schemas.common import MAX_LINES, MAX_QTY_MILLI, StrictSchema, Timestamp, points, positive, quantity
from server.schemas.members import CARD_NUMBER
from server.schemas.stores import CODE


class QuoteLineSchema(StrictSchema):
    line_id = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=32),
                               metadata={"description": "default: the line's position, from 1"})
    sku = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=64))
    barcode = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^\d{8,14}$"))
    qty = quantity(load_default=None)
    qty_milli = quantity(MAX_QTY_MILLI, load_default=None,
                         metadata={"description": "weighed goods: thousandths of the priced unit"})

    @ma.validates_schema
    def _one_of_each(self, data, **_kwargs):
        if (data["sku"] is None) == (data["barcode"] is None):
            raise ma.ValidationError("give a sku or a barcode", "sku")
        if data["qty"] is not None and data["qty_milli"] is not None:
            raise ma.ValidationError("give qty or qty_milli, not both", "qty")


class RewardClaimSchema(StrictSchema):
    reward_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    times = ma.fields.Integer(load_default=1, strict=True, validate=ma.validate.Range(min=1, max=20))


class QuoteRequestSchema(StrictSchema):
    store = ma.fields.String(required=True, validate=CODE)
    at = Timestamp(load_default=None, metadata={"description": "default: now"})
    card_number = ma.fields.String(load_default=None, validate=CARD_NUMBER)
    lines = ma.fields.List(ma.fields.Nested(QuoteLineSchema), required=True,
                           validate=ma.validate.Length(min=1, max=MAX_LINES))
    coupons = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=64)), load_default=list,
                             validate=ma.validate.Length(max=MAX_LINES))
    points_to_redeem = points(load_default=0)
    rewards = ma.fields.List(ma.fields.Nested(RewardClaimSchema), load_default=list,
                             validate=ma.validate.Length(max=MAX_LINES),
                             metadata={"description": "rewards the member takes with points"})

    @ma.post_load
    def _number_lines(self, data, **_kwargs):
        for position, line in enumerate(data["lines"], start=1):
            line["line_id"] = line["line_id"] or str(position)
        if len({line["line_id"] for line in data["lines"]}) != len(data["lines"]):
            raise ma.ValidationError("line ids must be unique", "lines")
        return data


class DiscountSchema(ma.Schema):
    promotion_id = ma.fields.String()
    version = ma.fields.Integer()
    label = ma.fields.String()
    amount_minor = ma.fields.Integer()
    coupon_code = ma.fields.String(allow_none=True)


class QuotedLineSchema(ma.Schema):
    line_id = ma.fields.String()
    sku = ma.fields.String()
    name = ma.fields.String()
    category = ma.fields.String()
    qty = ma.fields.Integer()
    qty_milli = ma.fields.Integer(allow_none=True)
    base_unit_price = ma.fields.Integer()
    member_unit_price = ma.fields.Integer(allow_none=True)
    base_amount = ma.fields.Integer()
    discounts = ma.fields.List(ma.fields.Nested(DiscountSchema))
    total = ma.fields.Integer(metadata={"description": "what the customer pays for the line, tax included"})
    tax_rate_bp = ma.fields.Integer()
    tax = ma.fields.Integer(metadata={"description": "the line's share of its rate's tax"})
    excluded = ma.fields.Boolean(metadata={"description": "the line earns no points (its product or category)"})
    excluded_reason = ma.fields.String(allow_none=True, metadata={
        "description": "why the line earns no points, in words (e.g. 'tobacco earns no points'); null if it earns"})
    base_replaced_by = ma.fields.String(allow_none=True, metadata={
        "description": "the stand-alone earning rule (promotion id) whose points replace the line's base points"})


class BonusSchema(ma.Schema):
    promotion_id = ma.fields.String()
    version = ma.fields.Integer()
    label = ma.fields.String()
    points = ma.fields.Integer()
    replaces_base = ma.fields.Boolean(metadata={"description": "a stand-alone rule: its lines earn no base points"})
    explanation = ma.fields.String(metadata={"description": "what the rule gave, e.g. '2x points on produce: +40'"})


class PointsSchema(ma.Schema):
    base = ma.fields.Integer(metadata={"description": "by the loyalty rules (tier included)"})
    bonus = ma.fields.List(ma.fields.Nested(BonusSchema))
    to_earn = ma.fields.Integer()
    redeemable = ma.fields.Integer()
    redeemable_value_minor = ma.fields.Integer()


class RejectedCouponSchema(ma.Schema):
    code = ma.fields.String()
    reason = ma.fields.String()
    promotion_id = ma.fields.String(allow_none=True)


class QuoteMemberSchema(ma.Schema):
    id = ma.fields.UUID()
    tier = ma.fields.String()


class RateTaxSchema(ma.Schema):
    rate_bp = ma.fields.Integer(metadata={"description": "2000 = 20 %"})
    net = ma.fields.Integer()
    tax = ma.fields.Integer()
    gross = ma.fields.Integer()


class QuoteTaxSchema(ma.Schema):
    prices_include_tax = ma.fields.Boolean(metadata={"description": "the store's prices contain the tax"})
    net = ma.fields.Integer()
    tax = ma.fields.Integer()
    gross = ma.fields.Integer(metadata={"description": "== total: what the customer pays"})
    rates = ma.fields.List(ma.fields.Nested(RateTaxSchema), metadata={
        "description": "per rate: the rate's lines added up after discounts, tax rounded half up once per rate"})


class NearMissSchema(ma.Schema):
    promotion_id = ma.fields.String()
    version = ma.fields.Integer()
    label = ma.fields.String()
    missing_qty = ma.fields.Integer(metadata={"description": "units in the offer's scope still to add; 0 for spend"})
    missing_amount_minor = ma.fields.Integer(metadata={
        "description": "still to spend on the offer's lines, on its gross or net basis; 0 for units"})


class QuotedRewardSchema(ma.Schema):
    reward_id = ma.fields.String()
    version = ma.fields.Integer()
    label = ma.fields.String()
    times = ma.fields.Integer()
    points = ma.fields.Integer(metadata={"description": "what the takes cost"})
    discount_minor = ma.fields.Integer(metadata={"description": "what they took off (on the lines' discounts)"})


class RefusedRewardSchema(ma.Schema):
    reward_id = ma.fields.String()
    reason = ma.fields.String()


class QuoteSchema(ma.Schema):
    store = ma.fields.String()
    at = ma.fields.AwareDateTime()
    currency = ma.fields.String()
    member = ma.fields.Nested(QuoteMemberSchema, allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(QuotedLineSchema))
    subtotal = ma.fields.Integer()
    discount_total = ma.fields.Integer()
    total = ma.fields.Integer()
    points = ma.fields.Nested(PointsSchema)
    accepted_coupons = ma.fields.List(ma.fields.String())
    rejected_coupons = ma.fields.List(ma.fields.Nested(RejectedCouponSchema))
    allocation_exact = ma.fields.Boolean()
    tax = ma.fields.Nested(QuoteTaxSchema)
    near_misses = ma.fields.List(ma.fields.Nested(NearMissSchema), metadata={
        "description": "offers the basket almost gets (promotions.near_miss): what to add for each"})
    rewards = ma.fields.List(ma.fields.Nested(QuotedRewardSchema))
    refused_rewards = ma.fields.List(ma.fields.Nested(RefusedRewardSchema))
    reward_points = ma.fields.Integer(metadata={"description": "what the rewards taken cost"})


class PreviewRequestSchema(StrictSchema):
    version = positive(load_default=None, metadata={"description": "default: the current version"})
    basket = ma.fields.Nested(QuoteRequestSchema, required=True)


class AudienceSchema(ma.Schema):
    members = ma.fields.Integer(metadata={"description": "members the targeting reaches"})
    anonymous = ma.fields.Boolean(metadata={"description": "customers without a card qualify too"})


class PreviewSchema(ma.Schema):
    promotion_id = ma.fields.UUID()
    version = ma.fields.Integer()
    quote = ma.fields.Nested(QuoteSchema)
    audience = ma.fields.Nested(AudienceSchema)
