import marshmallow as ma

from server.schemas.common import StrictSchema


class TokenRequestSchema(StrictSchema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    password = ma.fields.String(required=True, load_only=True,
                                validate=ma.validate.Length(min=1, max=1024))


class TokenResponseSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_at = ma.fields.AwareDateTime()
    role = ma.fields.String()
    username = ma.fields.String()
