"""Segments: rules or uploaded lists of members, with their size."""

import marshmallow as ma

from server.schemas.common import PageQuerySchema, StrictSchema, amount, int32
from server.schemas.products import SKU
from server.schemas.stores import CODE

MAX_DAYS = 3650


class SpentOverSchema(StrictSchema):
    amount_minor = amount(required=True)
    days = int32(minimum=1, maximum=MAX_DAYS, required=True)


def quintile_range(pair: list[int]) -> None:
    if len(pair) != 2 or not 1 <= pair[0] <= pair[1] <= 5:
        raise ma.ValidationError("give [lowest, highest] quintile, each 1-5")


class RfmSchema(StrictSchema):
    """An RFM bucket: quintile ranges (5 = best fifth) over the last ``days`` of purchases."""

    days = int32(minimum=1, maximum=MAX_DAYS, load_default=365)
    recency = ma.fields.List(int32(minimum=1, maximum=5), validate=quintile_range)
    frequency = ma.fields.List(int32(minimum=1, maximum=5), validate=quintile_range)
    monetary = ma.fields.List(int32(minimum=1, maximum=5), validate=quintile_range)

    @ma.validates_schema
    def _one_axis(self, data, **_kwargs):
        if not any(data.get(axis) for axis in ("recency", "frequency", "monetary")):
            raise ma.ValidationError("name at least one of recency, frequency, monetary")


class BoughtCategorySchema(StrictSchema):
    category = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    days = int32(minimum=1, maximum=MAX_DAYS, required=True)


class SegmentRuleSchema(StrictSchema):
    """All named conditions must hold."""

    tiers = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=32)))
    home_stores = ma.fields.List(ma.fields.String(validate=CODE))
    joined_within_days = int32(minimum=1, maximum=MAX_DAYS)
    spent_over = ma.fields.Nested(SpentOverSchema)
    bought_category = ma.fields.Nested(BoughtCategorySchema)
    rfm = ma.fields.Nested(RfmSchema)
    for_you = ma.fields.String(validate=SKU, metadata={
        "description": "members whose latest 'for you' picks include this product (profiling consent needed)"})

    @ma.validates_schema
    def _not_empty(self, data, **_kwargs):
        if not any(data.get(name) for name in self.fields):
            raise ma.ValidationError("name at least one condition")


class SegmentCreateSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    rule = ma.fields.Nested(SegmentRuleSchema, load_default=None)
    member_ids = ma.fields.List(ma.fields.UUID(), load_default=None, validate=ma.validate.Length(max=100_000),
                                metadata={"description": "an uploaded list instead of a rule"})

    @ma.validates_schema
    def _rule_or_list(self, data, **_kwargs):
        if (data["rule"] is None) == (data["member_ids"] is None):
            raise ma.ValidationError("give a rule or member_ids", "rule")


class SegmentSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "rule or list"})
    rule = ma.fields.Dict()
    size = ma.fields.Integer()
    refreshed_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class SegmentPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SegmentSchema))
    next_cursor = ma.fields.String(allow_none=True)


SegmentQuerySchema = PageQuerySchema
