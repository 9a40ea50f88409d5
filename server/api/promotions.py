"""/promotions: versioned promotions, their states, coupon batches and previews (marketing)."""

from __future__ import annotations

import uuid
from contextlib import nullcontext

from flask import jsonify

from server.api.blueprint import Blueprint
from server.api.context import BEARER, acting, db_session, services, staff_required
from server.api.quotes import quote_document, quote_request
from server.auth.roles import Role
from server.exceptions import OneCardError
from server.pricing.coupons import generate_batch
from server.pricing.previews import preview_promotion
from server.pricing.simulation import SimulationResult, start_simulation
from server.pricing.states import State, change_state
from server.pricing.versions import (
    create_promotion,
    current_definition,
    get_promotion,
    get_version,
    list_promotions,
    list_versions,
)
from server.pricing.versions import (
    edit_promotion as edit_definition,
)
from server.schemas.jobs import JobSchema
from server.schemas.promotions import (
    CouponBatchCreateSchema,
    CouponBatchSchema,
    DefinitionSchema,
    PromotionCreateSchema,
    PromotionPageSchema,
    PromotionQuerySchema,
    PromotionSchema,
    StateChangeSchema,
    VersionSchema,
)
from server.schemas.quotes import PreviewRequestSchema, PreviewSchema
from server.schemas.simulations import SimulationRequestSchema, SimulationSchema

blp = Blueprint("promotions", __name__, url_prefix="/api/v1/promotions",
                description="Promotions, coupons and bundles; every edit is a new version")
MARKETING = Role.MARKETING


class InvalidIdCursor(OneCardError):
    status = 400
    slug = "invalid-cursor"
    title = "Invalid cursor"


def id_cursor(text: str | None) -> uuid.UUID | None:
    """Lists in id order page by the last id shown (UUIDv7: creation order)."""
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        raise InvalidIdCursor("the cursor is not one this server issued") from None


def shown(record) -> dict:
    return {"id": record.id, "kind": record.kind, "state": record.state,
            "current_version": record.current_version, "created_at": record.created_at,
            "updated_at": record.updated_at, "definition": current_definition(db_session(), record)}


def publish(definition: dict, state: str) -> dict:
    """Create a promotion (version 1) in ``state`` and answer with it."""
    session, svc = db_session(), services()
    record = create_promotion(session, definition, State.DRAFT, svc.clock(), acting(), svc.program)
    if state != State.DRAFT:
        change_state(session, record, state, current_definition(session, record), "created live",
                     svc.clock(), acting())
    session.commit()
    return shown(record)


@blp.route("")
@blp.doc(security=BEARER)
@staff_required(MARKETING)
@blp.arguments(PromotionQuerySchema, location="query")
@blp.response(200, PromotionPageSchema)
def find_promotions(query):
    rows = list_promotions(db_session(), id_cursor(query["cursor"]), query["limit"] + 1, query["state"],
                           query["kind"])
    items, more = rows[: query["limit"]], len(rows) > query["limit"]
    return {"items": [shown(r) for r in items], "next_cursor": str(items[-1].id) if more else None}


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(MARKETING)
@blp.arguments(PromotionCreateSchema)
@blp.response(201, PromotionSchema)
@blp.problems(409, 422)
def add_promotion(body):
    state = body.pop("state")
    return publish(body, state)


@blp.route("/<uuid:promotion_id>")
@blp.doc(security=BEARER)
@staff_required(MARKETING)
@blp.response(200, PromotionSchema)
def read_promotion(promotion_id):
    return shown(get_promotion(db_session(), promotion_id))


@blp.route("/<uuid:promotion_id>", methods=["PUT"])
@blp.doc(security=BEARER)
@staff_required(MARKETING)
@blp.arguments(DefinitionSchema)
@blp.response(200, PromotionSchema)
@blp.problems(409, 422)
def edit_promotion(body, promotion_id):
    """Replace the definition: a new version, live at once if the promotion is."""
    session = db_session()
    record = get_promotion(session, promotion_id, lock=True)
    edit_definition(session, record, body, services().clock(), acting(), services().program)
    session.commit()
    return shown(record)


@blp.route("/<uuid:promotion_id>/versions")
@blp.doc(security=BEARER)
@staff_required(MARKETING)
@blp.response(200, VersionSchema(many=True))
def read_versions(promotion_id):
    get_promotion(db_session(), promotion_id)
    return list_versions(db_session(), promotion_id)


@blp.route("/<uuid:promotion_id>/versions/<int:version>")
@blp.doc(security=BEARER)
@staff_required(MARKETING)
@blp.response(200, VersionSchema)
def read_version(promotion_id, version):
    return get_version(db_session(), promotion_id, version)


@blp.route("/<uuid:promotion_id>/state", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(MARKETING)
@blp.arguments(StateChangeSchema)
@blp.response(200, PromotionSchema)
@blp.problems(409, 422)
def move(body, promotion_id):
    session, svc = db_session(), services()
    record = get_promotion(session, promotion_id, lock=True)
    change_state(session, record, body["state"], current_definition(session, record), body["reason"],
                 svc.clock(), acting())
    session.commit()
    return shown(record)


@blp.route("/<uuid:promotion_id>/coupons", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(MARKETING)
@blp.arguments(CouponBatchCreateSchema)
@blp.response(201, CouponBatchSchema)
@blp.problems(409, 422)
def add_coupons(body, promotion_id):
    session, svc = db_session(), services()
    record = get_promotion(session, promotion_id, lock=True)
    batch, codes = generate_batch(session, record, current_definition(session, record), body["prefix"],
                                  body["count"], svc.clock(), acting())
    session.commit()
    return {"id": batch.id, "promotion_id": record.id, "count": len(codes), "codes": codes}


@blp.route("/<uuid:promotion_id>/preview", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(MARKETING)
@blp.arguments(PreviewRequestSchema)
@blp.response(200, PreviewSchema)
@blp.problems(404, 422)
def preview(body, promotion_id):
    """Price a sample basket with this version (a draft too) in place of the live one."""
    session, svc = db_session(), services()
    record = get_promotion(session, promotion_id)
    version = get_version(session, promotion_id, body["version"] or record.current_version)
    shown_preview = preview_promotion(session, record, version, quote_request(body["basket"]), svc.program)
    return {"promotion_id": record.id, "version": version.version, "quote": quote_document(shown_preview.quote),
            "audience": {"members": shown_preview.members, "anonymous": shown_preview.anonymous}}


@blp.route("/<uuid:promotion_id>/simulation", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(MARKETING)
@blp.arguments(SimulationRequestSchema)
@blp.response(200, SimulationSchema)
@blp.alt_response(202, schema=JobSchema, description=(
    "more sales than are replayed in a request: queued as a job; GET /api/v1/jobs/{id} shows its progress "
    "and, once finished, this result"))
@blp.problems(404, 422)
def simulate_on_past_sales(body, promotion_id):
    """Had this version been live over the last N weeks: the sales, members, discount and points it would have
    touched, replayed through the pricing engine with and without it."""
    session, svc = db_session(), services()
    record = get_promotion(session, promotion_id)
    outcome = start_simulation(session, lambda: nullcontext(session), svc.jobs, record.id,
                               body["version"] or record.current_version, body["weeks"], svc.clock(), svc.program)
    if isinstance(outcome, SimulationResult):
        return outcome.to_dict()
    answer = jsonify(JobSchema().dump(outcome))
    answer.status_code, answer.headers["Location"] = 202, f"/api/v1/jobs/{outcome.id}"
    return answer
