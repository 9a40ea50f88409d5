import marshmallow as ma

from server.schemas.common import StrictSchema


class TaxClassWriteSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    rate_bp = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0, max=10_000),
                                metadata={"description": "basis points: 2000 = 20 %"})


class TaxClassSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    rate_bp = ma.fields.Integer()
    updated_at = ma.fields.AwareDateTime()
