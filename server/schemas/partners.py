"""Partner merchants: terms, keys, earn and burn requests, settlement."""

import marshmallow as ma

from server.schemas.common import StrictSchema, Timestamp, amount, int32, points
from server.schemas.members import CARD_NUMBER
from server.schemas.stores import CODE

REFERENCE = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$",
                               error="1-64 letters, digits, '_', '.', ':' or '-', starting with a letter or digit")
PER_100 = {"minimum": 0, "maximum": 1_000_000}


class PartnerCreateSchema(StrictSchema):
    code = ma.fields.String(required=True, validate=CODE)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    points_per_unit = int32(minimum=0, maximum=1000, required=True)
    unit_minor = int32(minimum=1, maximum=1_000_000, required=True, metadata={
        "description": "points_per_unit points for every unit_minor of a partner sale (e.g. 1 per 100: one per euro)"})
    issue_price_per_100 = int32(**PER_100, required=True, metadata={
        "description": "minor units the partner pays the chain for every 100 points it issues"})
    redeem_value_per_100 = int32(**PER_100, required=True, metadata={
        "description": "minor units the chain pays the partner for every 100 points members spend there"})


class PartnerSchema(ma.Schema):
    id = ma.fields.UUID()
    code = ma.fields.String()
    name = ma.fields.String()
    points_per_unit = ma.fields.Integer()
    unit_minor = ma.fields.Integer()
    issue_price_per_100 = ma.fields.Integer()
    redeem_value_per_100 = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()


class KeyCreateSchema(StrictSchema):
    scopes = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(["earn", "burn"])), required=True,
                            validate=ma.validate.Length(min=1, max=2))


class IssuedKeySchema(ma.Schema):
    key = ma.fields.String(metadata={"description": "shown once: send it as X-OneCard-Partner-Key"})
    key_id = ma.fields.String()
    scopes = ma.fields.List(ma.fields.String())


class PartnerKeySchema(ma.Schema):
    key_id = ma.fields.String()
    scopes = ma.fields.List(ma.fields.String())
    created_at = ma.fields.AwareDateTime()
    revoked_at = ma.fields.AwareDateTime(allow_none=True)


class KeyRevokeSchema(StrictSchema):
    reason = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500),
                              metadata={"description": "why, for the audit log (e.g. key leaked)"})


class EarnSchema(StrictSchema):
    reference = ma.fields.String(required=True, validate=REFERENCE, metadata={
        "description": "the partner's own id of the sale: a retry with the same reference posts nothing twice"})
    card_number = ma.fields.String(required=True, validate=CARD_NUMBER)
    amount_minor = amount(required=True)


class BurnSchema(StrictSchema):
    reference = ma.fields.String(required=True, validate=REFERENCE)
    card_number = ma.fields.String(required=True, validate=CARD_NUMBER)
    points = points(minimum=1, required=True)
    consent_code = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^\d{6}$", error="six digits"),
                                    metadata={"description": "the code the member's page shows them, given by them"})


class PartnerResultSchema(ma.Schema):
    reference = ma.fields.String()
    kind = ma.fields.String()
    points = ma.fields.Integer()
    value_minor = ma.fields.Integer(metadata={"description": "burn: what the points pay for at the partner"})


class SettlementQuerySchema(StrictSchema):
    start = Timestamp(required=True)
    end = Timestamp(required=True, metadata={"description": "exclusive"})

    @ma.validates_schema
    def _ordered(self, data, **_kwargs):
        if data["end"] <= data["start"]:
            raise ma.ValidationError("end must be after start", "end")


class SettlementSchema(ma.Schema):
    partner = ma.fields.String()
    start = ma.fields.AwareDateTime()
    end = ma.fields.AwareDateTime()
    currency = ma.fields.String()
    points_issued = ma.fields.Integer()
    points_redeemed = ma.fields.Integer()
    partner_owes_minor = ma.fields.Integer()
    chain_owes_minor = ma.fields.Integer()
    net_to_chain_minor = ma.fields.Integer(metadata={"description": "positive: the partner pays the chain"})
