"""/insights: bundle suggestions and "for you" picks from members' baskets, and drafts made from them (marketing)."""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import BEARER, acting, db_session, services, staff_required
from server.api.promotions import shown
from server.auth.roles import Role
from server.jobs.tasks import mine_bundle_suggestions, pick_for_you
from server.pricing.bundle_mining import draft_bundle
from server.pricing.for_you import draft_for_you
from server.schemas.insights import BundleDraftSchema, BundleMiningSchema, ForYouDraftSchema, ForYouRunSchema
from server.schemas.jobs import JobSchema
from server.schemas.promotions import PromotionSchema

blp = Blueprint("insights", __name__, url_prefix="/api/v1/insights", description="Marketing insights")


@blp.route("/bundle-suggestions", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(BundleMiningSchema)
@blp.response(202, JobSchema)
def mine(body):
    """Start mining the last weeks' baskets (profiled members only); GET /jobs/{id} for progress and
    the ranked suggestions, each with support, confidence, lift and the projected uptake and cost."""
    # The job's record is written in a transaction of its own: end the request's first (on SQLite a
    # second transaction in this thread would wait for the request's lock).
    db_session().commit()
    return services().jobs.enqueue(mine_bundle_suggestions, body["weeks"], body["min_together"],
                                   body["limit"], body["discount_bp"])


@blp.route("/bundle-suggestions/draft", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(BundleDraftSchema)
@blp.response(201, PromotionSchema)
@blp.problems(422)
def draft(body):
    """Make a draft bundle promotion of the suggested products (published like any other)."""
    session, svc = db_session(), services()
    record = draft_bundle(session, body["skus"], body["price_minor"], body["label"], svc.clock(), acting(),
                          svc.program)
    session.commit()
    return shown(record)


@blp.route("/for-you", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(ForYouRunSchema)
@blp.response(202, JobSchema)
def pick(body):
    """Start picking products for each profiled member from their own history (complements of what they
    buy, products they stopped buying); the picks replace the last run's, and the job's result proposes
    a personal offer per product with the members it would reach. GET /jobs/{id} for progress."""
    db_session().commit()  # the job's record is written in a transaction of its own (see mine)
    return services().jobs.enqueue(pick_for_you, body["weeks"], body["recent_weeks"], body["min_together"],
                                   body["min_before"], body["limit"])


@blp.route("/for-you/draft", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MARKETING)
@blp.arguments(ForYouDraftSchema)
@blp.response(201, PromotionSchema)
@blp.problems(422)
def draft_personal(body):
    """Make a draft personal offer (clip) on the product for its "for you" members, through a rule segment
    that follows the latest picks; publishing it shows it on those members' pages."""
    session, svc = db_session(), services()
    record = draft_for_you(session, body["sku"], body["percent_bp"], body["label"], svc.clock(), acting(),
                           svc.program)
    session.commit()
    return shown(record)
