import marshmallow as ma

from server.schemas.common import PageQuerySchema
from store_sync.till_events import TillEventKind


class TillEventQuerySchema(PageQuerySchema):
    store = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=32))
    terminal = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=32))
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf([k.value for k in TillEventKind]))
    cashier_id = ma.fields.UUID(load_default=None)


class TillEventSchema(ma.Schema):
    id = ma.fields.String()
    kind = ma.fields.String()
    store_code = ma.fields.String()
    terminal_code = ma.fields.String()
    at = ma.fields.AwareDateTime()
    cashier_id = ma.fields.UUID(allow_none=True)
    approver_id = ma.fields.UUID(allow_none=True)
    body = ma.fields.Dict(metadata={"description": "the event as the till sent it (a report's figures included)"})
    received_at = ma.fields.AwareDateTime()


class TillEventPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TillEventSchema))
    next_cursor = ma.fields.String(allow_none=True)
