"""Report queries and rows (JSON; CSV with ?format=csv)."""

import marshmallow as ma

from server.schemas.common import StrictSchema, Timestamp
from server.schemas.stores import CODE


class ReportQuerySchema(StrictSchema):
    store = ma.fields.String(load_default=None, validate=CODE)
    since = Timestamp(load_default=None)
    until = Timestamp(load_default=None)
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "csv"]))


class ReconciliationRowSchema(ma.Schema):
    transaction_id = ma.fields.String()
    store = ma.fields.String()
    kind = ma.fields.String()
    till_value = ma.fields.Integer(allow_none=True)
    server_value = ma.fields.Integer(allow_none=True)
    detail = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    terminal = ma.fields.String(metadata={"description": "the terminal that posted the transaction"})


class RejectionRowSchema(ma.Schema):
    item_id = ma.fields.String()
    item_type = ma.fields.String()
    store = ma.fields.String()
    terminal = ma.fields.String()
    reason = ma.fields.String()
    detail = ma.fields.String()
    final = ma.fields.Boolean()
    attempts = ma.fields.Integer()
    last_at = ma.fields.AwareDateTime()


class SyncHealthRowSchema(ma.Schema):
    store = ma.fields.String()
    terminal = ma.fields.String()
    last_seen_at = ma.fields.AwareDateTime(allow_none=True)
    feed_cursor = ma.fields.Integer(allow_none=True)
    feed_head = ma.fields.Integer()
    feed_lag = ma.fields.Integer(allow_none=True, metadata={"description": "changes not yet read"})
    feed_read_at = ma.fields.AwareDateTime(allow_none=True)
    journal_waiting = ma.fields.Integer(metadata={"description": "items refused for now, to be retried"})


class ReconciliationReportSchema(ma.Schema):
    exceptions = ma.fields.List(ma.fields.Nested(ReconciliationRowSchema))
    rejected_items = ma.fields.List(ma.fields.Nested(RejectionRowSchema))


class SyncHealthReportSchema(ma.Schema):
    terminals = ma.fields.List(ma.fields.Nested(SyncHealthRowSchema))
