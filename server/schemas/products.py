"""Products and their barcodes."""

import marshmallow as ma

from server.schemas.common import PageQuerySchema, StrictSchema, amount

SKU = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", error="use 1-64 letters, digits, '.', '_' or '-'")
BARCODE = ma.validate.Regexp(r"^\d{8,14}$", error="a barcode is 8 to 14 digits")
BARCODES = ma.validate.Length(max=100)


class ProductFieldsSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    category = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    base_price_minor = amount(required=True)
    tax_class = ma.fields.String(load_default="standard", validate=ma.validate.Length(min=1, max=16))
    excluded_from_points = ma.fields.Boolean(load_default=False)
    active = ma.fields.Boolean(load_default=True)
    barcodes = ma.fields.List(ma.fields.String(validate=BARCODE), load_default=list, validate=BARCODES)


class ProductCreateSchema(ProductFieldsSchema):
    sku = ma.fields.String(required=True, validate=SKU)


class ProductUpdateSchema(StrictSchema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    category = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    base_price_minor = amount()
    tax_class = ma.fields.String(validate=ma.validate.Length(min=1, max=16))
    excluded_from_points = ma.fields.Boolean()
    active = ma.fields.Boolean()
    barcodes = ma.fields.List(ma.fields.String(validate=BARCODE), validate=BARCODES)


class ProductBulkSchema(StrictSchema):
    items = ma.fields.List(ma.fields.Nested(ProductCreateSchema), required=True,
                           validate=ma.validate.Length(min=1, max=5000))

    @ma.validates("items")
    def _unique(self, items, **_kwargs):
        # Runs on the items that loaded: one without a sku is refused by its own field.
        skus = [item["sku"] for item in items if "sku" in item]
        if len(set(skus)) != len(skus):
            raise ma.ValidationError("each sku appears once")


class ProductSchema(ma.Schema):
    sku = ma.fields.String()
    name = ma.fields.String()
    category = ma.fields.String()
    base_price_minor = ma.fields.Integer()
    tax_class = ma.fields.String()
    excluded_from_points = ma.fields.Boolean()
    active = ma.fields.Boolean()
    barcodes = ma.fields.List(ma.fields.String())
    updated_at = ma.fields.AwareDateTime()


class ProductPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ProductSchema))
    next_cursor = ma.fields.String(allow_none=True)


class ProductQuerySchema(PageQuerySchema):
    category = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))


class BulkResultSchema(ma.Schema):
    created = ma.fields.Integer()
    updated = ma.fields.Integer()
