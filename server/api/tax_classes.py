"""/tax-classes: the VAT bands products are taxed at (any staff may read; admin changes them)."""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import BEARER, current_staff, db_session, services, staff_required
from server.audit import Actor
from server.auth.roles import Role
from server.pricing.taxes import change_tax_class, get_tax_class, list_tax_classes
from server.schemas.tax_classes import TaxClassSchema, TaxClassWriteSchema

blp = Blueprint("tax_classes", __name__, url_prefix="/api/v1/tax-classes", description="Tax classes and rates")
READERS = tuple(Role)


@blp.route("")
@blp.doc(security=BEARER)
@staff_required(*READERS)
@blp.response(200, TaxClassSchema(many=True))
def find_tax_classes():
    return list_tax_classes(db_session())


@blp.route("/<string:code>")
@blp.doc(security=BEARER)
@staff_required(*READERS)
@blp.response(200, TaxClassSchema)
@blp.problems(404)
def read_tax_class(code):
    return get_tax_class(db_session(), code)


@blp.route("/<string:code>", methods=["PUT"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(TaxClassWriteSchema)
@blp.response(200, TaxClassSchema)
@blp.problems(422)
def put_tax_class(body, code):
    session, now = db_session(), services().clock()
    found = change_tax_class(session, code, body["name"], body["rate_bp"], now, Actor.staff(current_staff().username))
    session.commit()
    return found
