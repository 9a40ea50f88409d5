"""Insights for marketing: bundle suggestions mined from members' baskets."""

import marshmallow as ma

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
