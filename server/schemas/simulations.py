"""Simulating a promotion version on past baskets: the request and the result."""

import marshmallow as ma

from server.schemas.common import StrictSchema, positive


class SimulationRequestSchema(StrictSchema):
    version = positive(load_default=None, metadata={"description": "default: the current version"})
    weeks = ma.fields.Integer(load_default=4, validate=ma.validate.Range(1, 12),
                              metadata={"description": "the weeks before now to replay, 1 to 12"})


class TopLineSchema(ma.Schema):
    sku = ma.fields.String()
    name = ma.fields.String()
    discount_minor = ma.fields.Integer(metadata={"description": "what the promotion took off this product"})
    sales = ma.fields.Integer(metadata={"description": "sales in which it did"})


class SimulationSchema(ma.Schema):
    promotion_id = ma.fields.String()
    version = ma.fields.Integer()
    weeks = ma.fields.Integer()
    since = ma.fields.String(metadata={"description": "first instant replayed (UTC)"})
    until = ma.fields.String(metadata={"description": "first instant not replayed (UTC)"})
    sales = ma.fields.Integer(metadata={"description": "sales replayed"})
    member_sales = ma.fields.Integer(metadata={"description": "of them, sales with a member card"})
    sales_affected = ma.fields.Integer(metadata={"description": "sales the promotion would have given something"})
    discount_minor = ma.fields.Integer(metadata={"description": "what those customers would have paid less"})
    points = ma.fields.Integer(metadata={"description": "bonus points it would have given"})
    members_reached = ma.fields.Integer()
    lines_left_out = ma.fields.Integer(metadata={"description": "lines of products the server no longer sells"})
    top_lines = ma.fields.List(ma.fields.Nested(TopLineSchema))
