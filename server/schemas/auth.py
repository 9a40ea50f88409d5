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


class StaffUserSchema(ma.Schema):
    id = ma.fields.UUID()
    username = ma.fields.String()
    role = ma.fields.String()
    active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    has_pin = ma.fields.Method("_has_pin", metadata={"description": "a till PIN is set (the PIN is never shown)"})

    def _has_pin(self, user) -> bool:
        return getattr(user, "pin_hash", None) is not None


class StaffDisableSchema(StrictSchema):
    reason = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500),
                              metadata={"description": "why, for the audit log (e.g. left the company)"})


class StaffPinSchema(StrictSchema):
    pin = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16),
                           metadata={"description": "the new till PIN: 4 to 8 digits"})
