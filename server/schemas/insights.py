"""Insights for marketing: bundle suggestions mined from members' baskets."""

import marshmallow as ma

from server.pricing import for_you
from server.schemas.common import StrictSchema, amount, int32
from server.schemas.products import SKU


class BundleMiningSchema(StrictSchema):
    weeks = int32(minimum=1, maximum=52, load_default=12, metadata={"description": "how many weeks back"})
    min_together = int32(minimum=2, maximum=1_000_000, load_default=20,
                         metadata={"description": "baskets that must hold both products"})
    limit = int32(minimum=1, maximum=100, load_default=20)
    discount_bp = int32(minimum=1, maximum=9_999, load_default=1_000,
                        metadata={"description": "the bundle's saving on the shelf prices, for the projection"})


class BundleDraftSchema(StrictSchema):
    skus = ma.fields.List(ma.fields.String(validate=SKU), required=True,
                          validate=ma.validate.Length(min=2, max=5))
    price_minor = amount(required=True)
    label = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=200))

    @ma.validates("skus")
    def _distinct(self, skus, **_kwargs):
        if len(set(skus)) != len(skus):
            raise ma.ValidationError("name each product once")


class ForYouRunSchema(StrictSchema):
    weeks = int32(minimum=2, maximum=52, load_default=for_you.WEEKS,
                  metadata={"description": "how many weeks of history"})
    recent_weeks = int32(minimum=1, maximum=26, load_default=for_you.RECENT_WEEKS, metadata={
        "description": "the last weeks in which a product the member used to buy is looked for (lapsed if absent)"})
    min_together = int32(minimum=2, maximum=1_000_000, load_default=for_you.MIN_TOGETHER,
                         metadata={"description": "chain baskets that must hold both products of a complement"})
    min_before = int32(minimum=1, maximum=1000, load_default=for_you.MIN_BEFORE,
                       metadata={"description": "the member's baskets with a product before it counts as lapsed"})
    limit = int32(minimum=1, maximum=10, load_default=for_you.PICKS_PER_MEMBER,
                  metadata={"description": "picks per member"})

    @ma.validates_schema
    def _recent_inside(self, data, **_kwargs):
        if data["recent_weeks"] >= data["weeks"]:
            raise ma.ValidationError("recent_weeks must be fewer than weeks", "recent_weeks")


class ForYouDraftSchema(StrictSchema):
    sku = ma.fields.String(required=True, validate=SKU)
    percent_bp = int32(minimum=1, maximum=9_999, required=True, metadata={"description": "the offer: 1000 is 10 % off"})
    label = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=200))
