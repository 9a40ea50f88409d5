"""/stores and /stores/{code}/terminals: the chain's stores and their tills; suspending, resuming and
revoking one (admin)."""

from __future__ import annotations

from sqlalchemy import select

from server.api.blueprint import Blueprint
from server.api.context import BEARER, current_staff, db_session, services, staff_required
from server.audit import Actor
from server.models import Store, Terminal
from server.schemas.common import attributes
from server.schemas.stores import (
    StoreCreateSchema,
    StoreSchema,
    StoreUpdateSchema,
    TerminalCreatedSchema,
    TerminalCreateSchema,
    TerminalRevokeSchema,
    TerminalSchema,
    TerminalSuspendSchema,
)
from server.terminals import (
    create_store,
    get_store,
    register_terminal,
    resume_terminal,
    revoke_terminal,
    set_receipt_details,
    set_tax_basis,
    suspend_terminal,
)

blp = Blueprint("stores", __name__, url_prefix="/api/v1/stores", description="Stores and terminals")


@blp.route("")
@blp.doc(security=BEARER)
@staff_required()
@blp.response(200, StoreSchema(many=True))
def list_stores():
    return db_session().scalars(select(Store).order_by(Store.code)).all()


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(StoreCreateSchema)
@blp.response(201, StoreSchema)
@blp.problems(409, 422)
def add_store(body):
    session = db_session()
    store = create_store(session, body["code"], body["name"], body["timezone"], services().clock(),
                         Actor.staff(current_staff().username), body["prices_include_tax"], body["receipt"])
    session.commit()
    return store


@blp.route("/<code>", methods=["PATCH"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(StoreUpdateSchema)
@blp.response(200, StoreSchema)
@blp.problems(404, 422)
def update_store(body, code: str):
    """Change the store's tax basis (tax-inclusive or tax-exclusive prices) for sales priced after it, and
    what its receipts print besides its name (each change audited)."""
    session = db_session()
    store, now, actor = get_store(session, code), services().clock(), Actor.staff(current_staff().username)
    if body["prices_include_tax"] is not None:
        set_tax_basis(session, store, body["prices_include_tax"], now, actor, body["reason"])
    if body["receipt"] is not None:
        set_receipt_details(session, store, body["receipt"], now, actor, body["reason"])
    session.commit()
    return store


@blp.route("/<code>/terminals")
@blp.doc(security=BEARER)
@staff_required()
@blp.response(200, TerminalSchema(many=True))
def list_terminals(code: str):
    store = get_store(db_session(), code)
    return db_session().scalars(select(Terminal).where(Terminal.store_id == store.id)
                                .order_by(Terminal.code)).all()


@blp.route("/<code>/terminals", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(TerminalCreateSchema)
@blp.response(201, TerminalCreatedSchema)
@blp.problems(409, 422)
def add_terminal(body, code: str):
    session = db_session()
    terminal, credential = register_terminal(session, get_store(session, code), body["code"],
                                             services().clock(),
                                             Actor.staff(current_staff().username))
    session.commit()
    return {**attributes(terminal, TerminalSchema), "credential": str(credential)}


@blp.route("/<code>/terminals/<terminal>/revoke", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(TerminalRevokeSchema)
@blp.response(200, TerminalSchema)
def revoke(body, code: str, terminal: str):
    """Refuse the terminal's credential from its next request on (401 with reason ``revoked``)."""
    session = db_session()
    revoked = revoke_terminal(session, get_store(session, code), terminal, services().clock(),
                              Actor.staff(current_staff().username), body["reason"])
    session.commit()
    return revoked


@blp.route("/<code>/terminals/<terminal>/suspend", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(TerminalSuspendSchema)
@blp.response(200, TerminalSchema)
@blp.problems(404, 409)
def suspend(body, code: str, terminal: str):
    """Stop the terminal redeeming points until resumed; it still syncs and its sales are accepted,
    earn as usual, credit no points tendered and are flagged ``terminal-suspended`` (audited)."""
    session = db_session()
    suspended = suspend_terminal(session, get_store(session, code), terminal, services().clock(),
                                 Actor.staff(current_staff().username), body["reason"])
    session.commit()
    return suspended


@blp.route("/<code>/terminals/<terminal>/resume", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(TerminalSuspendSchema)
@blp.response(200, TerminalSchema)
@blp.problems(404, 409)
def resume(body, code: str, terminal: str):
    """End the terminal's suspension: its holds and points tender count again (audited)."""
    session = db_session()
    resumed = resume_terminal(session, get_store(session, code), terminal, services().clock(),
                              Actor.staff(current_staff().username), body["reason"])
    session.commit()
    return resumed
