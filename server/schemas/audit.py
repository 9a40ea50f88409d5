import marshmallow as ma

from server.schemas.common import PageQuerySchema


class AuditQuerySchema(PageQuerySchema):
    action = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))


class AuditRecordSchema(ma.Schema):
    id = ma.fields.UUID()
    at = ma.fields.AwareDateTime()
    actor_type = ma.fields.String()
    actor = ma.fields.String()
    action = ma.fields.String()
    target = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()
    request_id = ma.fields.String(allow_none=True)
    remote_addr = ma.fields.String(allow_none=True)
    count = ma.fields.Integer(metadata={"description": "events this record stands for (1 unless counted per burst)"})


class AuditPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AuditRecordSchema))
    next_cursor = ma.fields.String(allow_none=True)
