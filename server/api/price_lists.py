"""/price-lists: member prices per product, for all members or per tier (marketing).

A price list is a promotion whose rule is ``member_price``: one table, one version history, one
catalogue for the engine. Edit, pause or end one through /promotions/{id}.
"""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import BEARER, db_session, services, staff_required
from server.api.promotions import id_cursor, publish, shown
from server.auth.roles import Role
from server.pricing.references import Kind, check_references
from server.pricing.versions import list_promotions
from server.schemas.common import PageQuerySchema
from server.schemas.promotions import DefinitionSchema, PriceListCreateSchema, PromotionPageSchema, PromotionSchema

blp = Blueprint("price_lists", __name__, url_prefix="/api/v1/price-lists", description="Member prices")


def to_definition(body: dict) -> dict:
    """The promotion definition a price list stands for."""
    return DefinitionSchema().load({
        "label": body["label"],
        "rule": {"kind": "member_price", "prices": body["prices"]},
        "priority": body["priority"],
        "window": DefinitionSchema().fields["window"].schema.dump(body["window"]),
        "stores": body["stores"],
        "targeting": {"members_only": True, "tiers": body["tiers"]},
    })


@blp.route("")
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, PromotionPageSchema)
def find_price_lists(query):
    rows = list_promotions(db_session(), id_cursor(query["cursor"]), query["limit"] + 1, None, "member_price")
    items, more = rows[: query["limit"]], len(rows) > query["limit"]
    return {"items": [shown(r) for r in items], "next_cursor": str(items[-1].id) if more else None}


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(PriceListCreateSchema)
@blp.response(201, PromotionSchema)
@blp.problems(409, 422)
def add_price_list(body):
    check_references(db_session(), services().program, [
        ("prices", Kind.PRODUCT, [price["sku"] for price in body["prices"]]),
        ("tiers", Kind.TIER, body["tiers"]), ("stores", Kind.STORE, body["stores"])])
    return publish(to_definition(body), body["state"])
