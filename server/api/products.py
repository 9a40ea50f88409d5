"""/products: the catalogue tills price from (admin, marketing; cashiers may read)."""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import BEARER, db_session, services, staff_required
from server.auth.roles import Role
from server.pricing.products import (
    barcodes_of,
    create_product,
    get_product,
    list_products,
    update_product,
    upsert_products,
)
from server.schemas.products import (
    BulkResultSchema,
    ProductBulkSchema,
    ProductCreateSchema,
    ProductPageSchema,
    ProductQuerySchema,
    ProductSchema,
    ProductUpdateSchema,
)

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="Product catalogue")
READERS = (Role.MARKETING, Role.CASHIER)


def _shown(products) -> list[dict]:
    barcodes = barcodes_of(db_session(), [p.sku for p in products])
    fields = [name for name in ProductSchema().fields if name != "barcodes"]
    return [{**{f: getattr(p, f) for f in fields}, "barcodes": barcodes.get(p.sku, [])} for p in products]


@blp.route("")
@blp.doc(security=BEARER)
@staff_required(*READERS)
@blp.arguments(ProductQuerySchema, location="query")
@blp.response(200, ProductPageSchema)
def find_products(query):
    # A sku is the cursor: the list is in sku order and skus never change.
    rows = list_products(db_session(), query["cursor"], query["limit"] + 1, query["category"])
    items, more = rows[: query["limit"]], len(rows) > query["limit"]
    return {"items": _shown(items), "next_cursor": items[-1].sku if more else None}


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(ProductCreateSchema)
@blp.response(201, ProductSchema)
@blp.problems(409, 422)
def add_product(body):
    session = db_session()
    product = create_product(session, body, services().clock())
    session.commit()
    return _shown([product])[0]


@blp.route("/bulk", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(ProductBulkSchema)
@blp.response(200, BulkResultSchema)
@blp.problems(409, 422)
def upsert(body):
    session = db_session()
    created, updated = upsert_products(session, body["items"], services().clock())
    session.commit()
    return {"created": created, "updated": updated}


@blp.route("/<string:sku>")
@blp.doc(security=BEARER)
@staff_required(*READERS)
@blp.response(200, ProductSchema)
def read_product(sku):
    return _shown([get_product(db_session(), sku)])[0]


@blp.route("/<string:sku>", methods=["PATCH"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(ProductUpdateSchema)
@blp.response(200, ProductSchema)
@blp.problems(409, 422)
def change_product(body, sku):
    session = db_session()
    product = update_product(session, get_product(session, sku), body, services().clock())
    session.commit()
    return _shown([product])[0]
