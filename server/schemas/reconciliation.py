"""Resolving a reconciliation exception (HQ)."""

import marshmallow as ma

from server.membership.reconciliation import MAX_NOTE
from server.schemas.common import StrictSchema


class ResolveSchema(StrictSchema):
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_NOTE),
                            metadata={"description": "what was found or done, for the audit log"})


class ResolvedExceptionSchema(ma.Schema):
    id = ma.fields.UUID()
    transaction_id = ma.fields.String()
    store = ma.fields.String(attribute="store_code")
    kind = ma.fields.String()
    till_value = ma.fields.Integer(allow_none=True)
    server_value = ma.fields.Integer(allow_none=True)
    detail = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    resolved_at = ma.fields.AwareDateTime()
    resolved_by = ma.fields.String()
    note = ma.fields.String(attribute="resolution_note")
