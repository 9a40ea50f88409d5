"""Staff points adjustments above the adjuster's limits: the request, its approval or rejection."""

import marshmallow as ma

from server.schemas.common import PageQuerySchema, StrictSchema


class AdjustmentRequestSchema(ma.Schema):
    id = ma.fields.UUID()
    member_id = ma.fields.UUID()
    adjustment_id = ma.fields.String(metadata={"description": "the client's id of the adjustment"})
    points = ma.fields.Integer()
    reason = ma.fields.String()
    exceeded = ma.fields.String(metadata={"description": "the limit it is above: per_adjustment or per_day"})
    state = ma.fields.String(metadata={"description": "pending, approved or rejected"})
    requested_by = ma.fields.String()
    requested_at = ma.fields.AwareDateTime()
    decided_by = ma.fields.String(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)


class AdjustmentAnswerSchema(AdjustmentRequestSchema):
    """201: ``balance`` alone (the adjustment applied); 202: the request waiting for approval."""

    balance = ma.fields.Integer(metadata={"description": "the balance after the adjustment applied"})


class DecisionSchema(StrictSchema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class AdjustmentRequestPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AdjustmentRequestSchema))
    next_cursor = ma.fields.String(allow_none=True)


AdjustmentRequestQuerySchema = PageQuerySchema
