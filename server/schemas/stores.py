import marshmallow as ma

from server.schemas.common import StrictSchema

CODE = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
                          error="use 1-32 letters, digits, '_' or '-'")


RECEIPT_LINE = ma.validate.Length(min=1, max=48)  # a line of 80 mm paper in the receipt font


class ReceiptDetailsSchema(StrictSchema):
    """What a store's receipts print besides its name; every line is printed centred."""

    address_lines = ma.fields.List(ma.fields.String(validate=RECEIPT_LINE), load_default=list,
                                   validate=ma.validate.Length(max=4))
    tax_number = ma.fields.String(load_default="", validate=ma.validate.Length(max=32),
                                  metadata={"description": "printed as 'VAT <number>' under the address"})
    header_lines = ma.fields.List(ma.fields.String(validate=RECEIPT_LINE), load_default=list,
                                  validate=ma.validate.Length(max=4),
                                  metadata={"description": "printed under the tax number"})
    footer_lines = ma.fields.List(ma.fields.String(validate=RECEIPT_LINE), load_default=list,
                                  validate=ma.validate.Length(max=4), metadata={
                                      "description": "printed at the foot of sale receipts (none: 'Thank you for "
                                                     "shopping with us')"})


class StoreCreateSchema(StrictSchema):
    code = ma.fields.String(required=True, validate=CODE)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    timezone = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    prices_include_tax = ma.fields.Boolean(load_default=True, metadata={
        "description": "shelf prices contain the tax (false: tax is added on top at the till)"})
    receipt = ma.fields.Nested(ReceiptDetailsSchema, load_default=dict)


class StoreUpdateSchema(StrictSchema):
    prices_include_tax = ma.fields.Boolean(load_default=None, metadata={
        "description": "shelf prices contain the tax (false: tax is added on top); for sales priced after the change"})
    receipt = ma.fields.Nested(ReceiptDetailsSchema, load_default=None, metadata={
        "description": "replaces what the store's receipts print besides its name"})
    reason = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500),
                              metadata={"description": "why, for the audit log"})

    @ma.validates_schema
    def _something(self, data, **_kwargs):
        if data.get("prices_include_tax") is None and data.get("receipt") is None:
            raise ma.ValidationError("give prices_include_tax, receipt or both", "_schema")


class StoreSchema(ma.Schema):
    id = ma.fields.UUID()
    code = ma.fields.String()
    name = ma.fields.String()
    timezone = ma.fields.String()
    prices_include_tax = ma.fields.Boolean()
    receipt = ma.fields.Dict()
    created_at = ma.fields.AwareDateTime()


class TerminalCreateSchema(StrictSchema):
    code = ma.fields.String(required=True, validate=CODE)


class TerminalSchema(ma.Schema):
    id = ma.fields.UUID()
    code = ma.fields.String()
    key_id = ma.fields.String()
    active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    last_seen_at = ma.fields.AwareDateTime(allow_none=True)
    agent_version = ma.fields.String(allow_none=True)
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    suspended_at = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "set while suspended: the till syncs and sells but redeems no points"})


class TerminalRevokeSchema(StrictSchema):
    reason = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500),
                              metadata={"description": "why, for the audit log (e.g. till stolen)"})


class TerminalSuspendSchema(StrictSchema):
    reason = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500), metadata={
        "description": "why, for the audit log (e.g. redeemed past its offline allowance)"})


class TerminalCreatedSchema(TerminalSchema):
    credential = ma.fields.String(metadata={"description": "shown once; store it on the till"})


class HeartbeatSchema(StrictSchema):
    store = ma.fields.String(required=True, validate=CODE)
    terminal = ma.fields.String(required=True, validate=CODE)
    agent_version = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))


class HeartbeatResponseSchema(ma.Schema):
    store = ma.fields.String()
    terminal = ma.fields.String()
    server_time = ma.fields.AwareDateTime()
