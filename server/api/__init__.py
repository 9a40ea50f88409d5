"""The REST API under /api/v1: flask-smorest Api with problem+json errors and our blueprints."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api as SmorestApi

from server.api import (
    audit,
    auth,
    cards,
    health,
    insights,
    jobs,
    journal,
    members,
    partners,
    price_lists,
    products,
    programme,
    promotions,
    quotes,
    reports,
    rewards,
    segments,
    staff,
    stores,
    sync,
    tax_classes,
    terminals,
    till_events,
    transactions,
)
from server.api.problems import http_exception_problem
from server.api.responses import ProblemResponses, register_components
from server.schemas.common import ProblemSchema

BLUEPRINTS = (health.blp, auth.blp, staff.blp, stores.blp, terminals.blp, audit.blp, members.blp, cards.blp,
              transactions.blp, sync.blp, journal.blp, reports.blp, jobs.blp,
              products.blp, promotions.blp, price_lists.blp, segments.blp, quotes.blp, insights.blp,
              tax_classes.blp, till_events.blp, programme.blp, rewards.blp, partners.blp, partners.own)


class Api(SmorestApi):
    """flask-smorest's Api, documenting and answering errors as problem+json.

    No catch-all ``default`` response: each operation lists the statuses it can give
    (server.api.responses), so a client, and a conformance check, can rely on the list.
    """

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_responses(self):
        register_components(self.spec, self.ERROR_SCHEMA)

    def handle_http_exception(self, error):
        return http_exception_problem(error)


def init_api(app: Flask) -> Api:
    app.config.update(
        API_TITLE="OneCard",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = Api(app, spec_kwargs={"info": {"description": "OneCard membership and loyalty API"},
                                   "extra_plugins": [ProblemResponses()]})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/token"})
    api.spec.components.security_scheme(
        "terminalSignature", {"type": "apiKey", "in": "header", "name": "X-OneCard-Signature",
                              "description": "Ed25519 signature; see store_sync.signing"})
    api.spec.components.security_scheme(
        "partnerKey", {"type": "apiKey", "in": "header", "name": "X-OneCard-Partner-Key",
                       "description": "a partner's key, '<key id>.<secret>', from POST /api/v1/partners/{code}/keys"})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    return api
