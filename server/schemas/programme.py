"""The loyalty programme's versions: the body marketing sends, and what the API shows.

The schema checks the shape only (every field present, JSON integers where whole numbers go, no
unknown fields: 400 otherwise, the API's convention); every rule of the programme (no negative
rate, thresholds rising from 0, a block worth whole minor units, a known time zone, a known basis...)
is `loyalty.programme_body`'s, the one check tills run too, and fails as 422 with the field's path.
"""

from __future__ import annotations

import marshmallow as ma

from server.schemas.common import StrictSchema, Timestamp, int32
from store_sync.transactions import TenderKind


def _ratio(**kwargs) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.Length(max=32),
                            metadata={"description": "a non-negative ratio as text, e.g. '3/2'"}, **kwargs)


def _names(**kwargs) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=64)),
                          validate=ma.validate.Length(max=1000), **kwargs)


class ProgrammeEarningSchema(StrictSchema):
    points = int32(required=True, metadata={"description": "points per amount"})
    per_amount_minor = int32(required=True, metadata={
        "description": "the amount (minor units) that earns `points`; the sale's points are floored"})
    unit_points = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(max=64)),
                                 values=int32(), required=True, metadata={
                                     "description": "sku -> points per unit sold, instead of points per amount"})
    excluded_products = _names(required=True, metadata={"description": "skus that earn no points"})
    excluded_categories = _names(required=True)
    category_multipliers = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(max=64)),
                                          values=_ratio(), required=True)
    basis = ma.fields.String(required=True, validate=ma.validate.Length(max=32),
                             metadata={"description": "after_points: the points tender earns nothing; "
                                                      "after_discounts: it earns as money would"})


class ProgrammePointValueSchema(StrictSchema):
    points = int32(required=True)
    minor = int32(required=True, metadata={"description": "what `points` points pay, minor units"})


class ProgrammeRedemptionSchema(StrictSchema):
    point_value = ma.fields.Nested(ProgrammePointValueSchema, required=True)
    block_points = int32(required=True, metadata={"description": "points are redeemed in these blocks"})
    minimum_points = int32(required=True, metadata={"description": "the least one sale may redeem"})
    max_share = _ratio(required=True)
    combinable_tenders = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=32)), required=True,
                                        validate=ma.validate.Length(max=10), metadata={
                                            "description": "tenders that may pay beside points: " + ", ".join(
                                                k.value for k in TenderKind if k is not TenderKind.POINTS)})


class ProgrammeTierLevelSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=32))
    threshold = int32(required=True)
    multiplier = _ratio(required=True)
    benefits = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=200)), required=True,
                              validate=ma.validate.Length(max=50))


class ProgrammeTiersSchema(StrictSchema):
    basis = ma.fields.String(required=True, validate=ma.validate.Length(max=32), metadata={
        "description": "spend or points"})
    window_days = int32(required=True)
    review_months = int32(required=True, metadata={"description": "1, 3, 6 or 12"})
    crossing_sale_earns_new_tier = ma.fields.Boolean(required=True)
    levels = ma.fields.List(ma.fields.Nested(ProgrammeTierLevelSchema), required=True,
                            validate=ma.validate.Length(max=20))


class ProgrammeExpirySchema(StrictSchema):
    unit = ma.fields.String(required=True, validate=ma.validate.Length(max=32), metadata={
        "description": "months, days or never"})
    after = int32(required=True)
    month_end = ma.fields.Boolean(required=True)
    time_zone = ma.fields.String(required=True, validate=ma.validate.Length(max=64), metadata={
        "description": "an IANA zone, or 'store' for the zone of the store where the points were earned"})


class ProgrammeOfflineSchema(StrictSchema):
    cap_points = int32(required=True)
    window_hours = int32(required=True)
    hold_ttl_seconds = int32(required=True)
    max_data_age_hours = int32(required=True)


class ProgrammeBodySchema(StrictSchema):
    earning = ma.fields.Nested(ProgrammeEarningSchema, required=True)
    redemption = ma.fields.Nested(ProgrammeRedemptionSchema, required=True)
    tiers = ma.fields.Nested(ProgrammeTiersSchema, required=True)
    expiry = ma.fields.Nested(ProgrammeExpirySchema, required=True)
    offline = ma.fields.Nested(ProgrammeOfflineSchema, required=True)


class ProgrammeVersionCreateSchema(StrictSchema):
    effective_from = Timestamp(load_default=None, metadata={
        "description": "when the version takes effect (not before now); default now"})
    programme = ma.fields.Nested(ProgrammeBodySchema, required=True)


class ProgrammeVersionSchema(ma.Schema):
    id = ma.fields.UUID()
    number = ma.fields.Integer()
    effective_from = ma.fields.AwareDateTime()
    programme = ma.fields.Dict(attribute="body", metadata={"description": "the body as it was created"})
    created_by = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class ProgrammeSchema(ma.Schema):
    current = ma.fields.Nested(ProgrammeVersionSchema, metadata={"description": "the version in force now"})
    versions = ma.fields.List(ma.fields.Nested(ProgrammeVersionSchema),
                              metadata={"description": "every version, oldest first"})
