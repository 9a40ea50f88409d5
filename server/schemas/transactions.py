"""Posting sales, returns and voids; holds."""

import marshmallow as ma

from loyalty.transactions import TransactionKind
from server.schemas.common import (
    INT32_MAX,
    MAX_LINES,
    MAX_QTY_MILLI,
    StrictSchema,
    Timestamp,
    amount,
    points,
    positive,
    quantity,
)
from server.schemas.members import CARD_NUMBER
from server.schemas.stores import CODE
from store_sync.cursor import MAX_CURSOR

ID = ma.validate.Length(min=8, max=64)


class AppliedDiscountSchema(StrictSchema):
    promotion_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    version = positive(required=True)
    label = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    amount_minor = amount(required=True)
    coupon_code = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=64))


class LineSchema(StrictSchema):
    line_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    sku = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    qty = quantity(required=True)
    qty_milli = quantity(MAX_QTY_MILLI, load_default=None, metadata={
        "description": "grams (or millilitres) of a weighed item, from its scale barcode; qty is then 1"})
    unit_price_minor = amount(load_default=None, metadata={
        "description": "the price the item's own barcode carried (price-embedded), instead of the shelf price"})
    paid_minor = amount(load_default=0, metadata={"description": "what the line cost after discounts"})
    tax_minor = amount(load_default=None, metadata={
        "description": "the till's tax for the line; the server computes its own and flags a difference"})
    category = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    excluded = ma.fields.Boolean(load_default=False, metadata={"description": "never earns points"})
    discounts = ma.fields.List(ma.fields.Nested(AppliedDiscountSchema), load_default=list,
                               metadata={"description": "each discount the till applied (from its quote)"})

    @ma.validates("discounts")
    def _one_per_promotion(self, discounts, **_kwargs):
        # .get: an entry missing its id is reported by its own schema, not here as a KeyError
        if len({d.get("promotion_id") for d in discounts}) != len(discounts):
            raise ma.ValidationError("a promotion gives a line one discount")


class TenderSchema(StrictSchema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["cash", "card", "points", "voucher"]))
    amount_minor = amount(required=True)
    points = points(load_default=0)


class TakenRewardLineSchema(StrictSchema):
    reward_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64),
                                 metadata={"description": "the reward's promotion id"})
    times = ma.fields.Integer(load_default=1, strict=True, validate=ma.validate.Range(min=1, max=20))
    points = points(required=True, metadata={"description": "the till's figure of what the takes cost; checked"})


class TransactionSchema(StrictSchema):
    id = ma.fields.String(required=True, validate=ID, metadata={"description": "the till's id (UUIDv7)"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["sale", "return", "void"]))
    store = ma.fields.String(required=True, validate=CODE)
    terminal = ma.fields.String(required=True, validate=CODE)
    at = Timestamp(required=True, metadata={"description": "when it happened at the till"})
    offline = ma.fields.Boolean(load_default=False)
    card_number = ma.fields.String(load_default=None, validate=CARD_NUMBER)
    lines = ma.fields.List(ma.fields.Nested(LineSchema), load_default=list,
                           validate=ma.validate.Length(max=MAX_LINES))
    tenders = ma.fields.List(ma.fields.Nested(TenderSchema), load_default=list,
                             validate=ma.validate.Length(max=MAX_LINES))
    hold_id = ma.fields.UUID(load_default=None, metadata={
        "description": "the points hold an online sale redeems against (required online when points are tendered)"})
    coupon_hold_id = ma.fields.UUID(load_default=None, metadata={
        "description": "the server's reservation of the sale's limited coupons (POST /coupon-holds), online"})
    original_id = ma.fields.String(load_default=None, validate=ID)
    points_earned = points(load_default=None, metadata={"description": "the till's own figure, checked"})
    points_redeemed = points(load_default=None)
    coupons = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=64)), load_default=list,
                             validate=ma.validate.Length(max=MAX_LINES),
                             metadata={"description": "coupon codes the sale redeemed"})
    cashier_id = ma.fields.UUID(load_default=None, metadata={
        "description": "the staff user signed in at the till (kept with the transaction)"})
    approved_by = ma.fields.UUID(load_default=None, metadata={
        "description": "the manager whose PIN approved a void or a refund above the till's limit"})
    feed_cursor = ma.fields.Integer(
        load_default=None, strict=True, validate=ma.validate.Range(min=0, max=MAX_CURSOR),
        metadata={"description": "the till's change-feed cursor when it priced the sale: an offline sale is "
                                 "re-priced with the promotions the feed had given its store up to it"})
    programme_version = ma.fields.Integer(
        load_default=None, strict=True, validate=ma.validate.Range(min=1, max=INT32_MAX),
        metadata={"description": "the loyalty programme version the till applied; an offline sale is "
                                 "re-checked with it"})
    rewards = ma.fields.List(ma.fields.Nested(TakenRewardLineSchema), load_default=list,
                             validate=ma.validate.Length(max=MAX_LINES), metadata={
                                 "description": "rewards the member took with points; the server checks them"})

    @ma.validates_schema
    def _shape(self, data, **_kwargs):
        if data["kind"] in (TransactionKind.RETURN, TransactionKind.VOID) and not data.get("original_id"):
            raise ma.ValidationError("returns and voids name the sale they undo", "original_id")
        if data["kind"] == TransactionKind.SALE and not data["lines"]:
            raise ma.ValidationError("a sale has at least one line", "lines")
        if len({line["line_id"] for line in data["lines"]}) != len(data["lines"]):
            raise ma.ValidationError("line ids must be unique", "lines")
        for name, field in (("lines", "paid_minor"), ("tenders", "amount_minor")):
            if sum(item[field] for item in data[name]) > INT32_MAX:
                raise ma.ValidationError(f"the {field} of all {name} add up to more than {INT32_MAX}", name)
        if data["rewards"] and data["kind"] != TransactionKind.SALE:
            raise ma.ValidationError("only a sale takes rewards", "rewards")
        if len({r["reward_id"] for r in data["rewards"]}) != len(data["rewards"]):
            raise ma.ValidationError("name each reward once, with how many times it is taken", "rewards")
        for tender in data["tenders"]:
            if (tender["kind"] == "points") != (tender["points"] > 0):
                raise ma.ValidationError("a points tender carries points, others none", "tenders")


class TierCrossedSchema(ma.Schema):
    from_tier = ma.fields.String(data_key="from", attribute="from")
    to = ma.fields.String()
    points_at_old_tier = ma.fields.Integer(metadata={"description": "what the till showed"})


class TransactionOutcomeSchema(ma.Schema):
    transaction_id = ma.fields.String()
    status = ma.fields.String(metadata={"description": "applied, or duplicate for a retry"})
    points_earned = ma.fields.Integer(metadata={"description": "base plus promotion bonus points"})
    bonus_points = ma.fields.Integer(metadata={"description": "the promotion bonus part of points_earned"})
    points_redeemed = ma.fields.Integer(metadata={
        "description": "the points credited as redeemed, by the points tender and the rewards (see exceptions)"})
    points_tender_minor = ma.fields.Integer(metadata={"description": "what those points paid, at the server's value"})
    reward_points = ma.fields.Integer(metadata={
        "description": "the points the sale's rewards cost, as the server credits them (part of points_redeemed)"})
    rewards = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "each reward credited: reward_id, times, points, and what it took off each line"})
    balance = ma.fields.Integer()
    points_taken_back = ma.fields.Integer()
    points_given_back = ma.fields.Integer()
    refund_minor = ma.fields.Integer()
    money_refund_minor = ma.fields.Integer()
    tax = ma.fields.Dict(metadata={
        "description": "the server's tax of the lines it priced: total, per rate and per line (a sale); "
                       "the tax given back (a return or void)"})
    exceptions = ma.fields.List(ma.fields.String())
    programme_version = ma.fields.Integer(metadata={"description": "the loyalty programme version the server "
                                                                   "checked it with"})
    tier_crossed = ma.fields.Nested(TierCrossedSchema, metadata={
        "description": "the sale crossed into a higher tier and earned at it (the programme says so)"})


class PostedTransactionSchema(ma.Schema):
    """A sale as posted, with what later returns and voids have undone of it (for returns elsewhere)."""

    body = ma.fields.Dict(metadata={"description": "the transaction exactly as the till posted it"})
    outcome = ma.fields.Dict(metadata={"description": "what the server made of it"})
    returned = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                              metadata={"description": "line id -> units already returned"})
    voided = ma.fields.Boolean()
    undone_by = ma.fields.List(ma.fields.String(), metadata={"description": "ids of those returns and voids"})


class HoldCreateSchema(StrictSchema):
    id = ma.fields.UUID(required=True, metadata={"description": "the till's id: a retry returns the same hold"})
    card_number = ma.fields.String(required=True, validate=CARD_NUMBER)
    points = points(minimum=1, required=True)
    store = ma.fields.String(required=True, validate=CODE)
    terminal = ma.fields.String(required=True, validate=CODE)


class HoldSchema(ma.Schema):
    id = ma.fields.UUID()
    member_id = ma.fields.UUID()
    points = ma.fields.Integer()
    status = ma.fields.String()
    expires_at = ma.fields.AwareDateTime()


class CouponHoldCreateSchema(StrictSchema):
    id = ma.fields.UUID(required=True, metadata={"description": "the till's id: a retry returns the same hold"})
    codes = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=64)), load_default=list,
                           validate=ma.validate.Length(max=MAX_LINES),
                           metadata={"description": "the coupon codes the sale will redeem"})
    promotions = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=64)), load_default=list,
                                validate=ma.validate.Length(max=MAX_LINES), metadata={
                                    "description": "the per-member limited promotions the sale will use "
                                                   "(needs card_number; see server.pricing.offer_holds)"})
    capped_promotions = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=64)),
                                       load_default=list, validate=ma.validate.Length(max=MAX_LINES), metadata={
                                           "description": "the chain-capped promotions the sale will use, member or "
                                                          "anonymous (see server.pricing.cap_holds)"})
    card_number = ma.fields.String(load_default=None, validate=CARD_NUMBER,
                                   metadata={"description": "the member's card, for per-member limits"})
    store = ma.fields.String(required=True, validate=CODE)
    terminal = ma.fields.String(required=True, validate=CODE)

    @ma.validates_schema
    def _something_to_hold(self, data, **_kwargs):
        if not data["codes"] and not data["promotions"] and not data["capped_promotions"]:
            raise ma.ValidationError("give the coupon codes or the limited promotions to reserve", "codes")
        if data["promotions"] and not data["card_number"]:
            raise ma.ValidationError("a limited promotion is reserved for a member: give the card", "card_number")


class CouponHoldSchema(ma.Schema):
    id = ma.fields.UUID()
    codes = ma.fields.List(ma.fields.String())
    promotions = ma.fields.List(ma.fields.String())
    capped_promotions = ma.fields.List(ma.fields.String())
    status = ma.fields.String(metadata={"description": "held, confirmed, released, mixed, or empty when nothing "
                                                       "named needed holding (no limit or cap)"})
    expires_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "null when empty"})
