"""Request bodies of the local API (unknown fields are refused, as on the server)."""

import marshmallow as ma

from store_sync.schemas import ConsentsSchema


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ItemSchema(_Strict):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64),
                            metadata={"description": "barcode, sku, or a member card scanned at the item prompt"})
    qty = ma.fields.Integer(load_default=1, strict=True, validate=ma.validate.Range(min=1, max=999))


class QuantitySchema(_Strict):
    qty = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=999))


class MemberSchema(_Strict):
    card_number = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))


class EnrolmentSchema(_Strict):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    card_number = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    phone = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32))
    email = ma.fields.String(load_default=None, validate=ma.validate.Length(max=254))
    consents = ma.fields.Nested(ConsentsSchema, load_default=dict,
                                metadata={"description": "what the member agreed to (the journal's consents)"})


class CouponSchema(_Strict):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))


class RewardSchema(_Strict):
    reward_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))


class RedemptionSchema(_Strict):
    points = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))


class TenderSchema(_Strict):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["cash", "card"]))
    amount_minor = ma.fields.Integer(load_default=None, strict=True, validate=ma.validate.Range(min=1))
    amount = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=24),
                            metadata={"description": "the amount as typed, e.g. \"1.250\" (BHD)"})


class ApprovalSchema(_Strict):
    """A manager's PIN approving a void or a refund above the till's limit."""

    staff_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    pin = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))


class ReturnSchema(_Strict):
    lines = ma.fields.Dict(keys=ma.fields.String(),
                           values=ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1)),
                           required=True, validate=ma.validate.Length(min=1),
                           metadata={"description": "line_id -> units returned"})
    approval = ma.fields.Nested(ApprovalSchema, load_default=None)


class ApprovedSchema(_Strict):
    """A void's body: the approving manager's PIN where cashiers sign in."""

    approval = ma.fields.Nested(ApprovalSchema, load_default=None)


class SignInSchema(_Strict):
    staff_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    pin = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))


class UnlockSchema(_Strict):
    pin = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))
    staff_id = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=64),
                                metadata={"description": "a manager unlocking for the cashier; else the cashier"})


class ShiftOpenSchema(_Strict):
    float_minor = ma.fields.Integer(load_default=None, strict=True, validate=ma.validate.Range(min=0, max=10**9))
    float = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=24),
                            metadata={"description": "the float as typed, e.g. \"1.250\" (BHD)"})


class ShiftCloseSchema(_Strict):
    counted_minor = ma.fields.Integer(load_default=None, strict=True, validate=ma.validate.Range(min=0, max=10**9))
    counted = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=24),
                            metadata={"description": "the cash counted as typed, e.g. \"1.250\" (BHD)"})


class NoSaleSchema(_Strict):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
