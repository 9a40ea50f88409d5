"""/rewards: the rewards catalogue, what members buy with points (any staff role reads; admin or
marketing adds one). A reward is a promotion whose rule kind is ``reward``: it is edited, paused and
ended through /promotions/{id} like any promotion (each change a new audited version, published to
the tills on the change feed)."""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import BEARER, db_session, staff_required
from server.api.promotions import id_cursor, publish, shown
from server.auth.roles import Role
from server.pricing.versions import list_promotions
from server.schemas.promotions import PromotionPageSchema, PromotionSchema, RewardCreateSchema, RewardQuerySchema

blp = Blueprint("rewards", __name__, url_prefix="/api/v1/rewards",
                description="Rewards bought with points: a free product, money off products or a category, "
                            "a voucher; each with a points cost and limits")
EVERY_ROLE = tuple(Role)


@blp.route("")
@blp.doc(security=BEARER)
@staff_required(*EVERY_ROLE)
@blp.arguments(RewardQuerySchema, location="query")
@blp.response(200, PromotionPageSchema)
def find_rewards(query):
    rows = list_promotions(db_session(), id_cursor(query["cursor"]), query["limit"] + 1, query["state"], "reward")
    items, more = rows[: query["limit"]], len(rows) > query["limit"]
    return {"items": [shown(r) for r in items], "next_cursor": str(items[-1].id) if more else None}


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(RewardCreateSchema)
@blp.response(201, PromotionSchema)
@blp.problems(409, 422)
def add_reward(body):
    state = body.pop("state")
    return publish(body, state)
