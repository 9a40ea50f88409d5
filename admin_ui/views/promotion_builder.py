"""Marketing: build a promotion (saved as a draft version), and preview it on a sample basket."""

from __future__ import annotations

import uuid

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from admin_ui import promotion_form
from admin_ui.access import staff_page
from admin_ui.blueprint import attempt, bp, problem_text
from admin_ui.promotion_form import KINDS, PERIODS, Money
from loyalty.exceptions import LoyaltyError
from server.api.context import acting, db_session, services
from server.auth.roles import Role
from server.exceptions import OneCardError
from server.models import Segment, Store
from server.pricing.exceptions import InvalidDefinition
from server.pricing.previews import preview_promotion
from server.pricing.quotes import QuoteRequest
from server.pricing.states import State
from server.pricing.versions import create_promotion, current_definition, edit_promotion, get_promotion, get_version
from server.schemas.promotions import DefinitionSchema
from server.schemas.quotes import QuoteRequestSchema

MARKETING = Role.MARKETING
EDITABLE = (State.DRAFT, State.PAUSED)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@bp.route("/promotions/new", methods=["GET", "POST"])
@staff_page(MARKETING)
def build_promotion():
    form = request.form if request.method == "POST" else MultiDict({"kind": request.args.get("kind", "percent_off")})
    if request.method == "GET":
        return _builder(form, {})
    svc = services()
    loaded, errors = _definition(form)
    if not errors:
        done, record = _attempt_definition(lambda: create_promotion(db_session(), loaded, "draft", svc.clock(),
                                                                    acting(), svc.program), errors)
        if done:
            flash(f"{loaded['label']} is saved as a draft (version 1). Preview it on a sample basket, then publish "
                  "it from this page.", "success")
            return redirect(url_for("admin.promotion_preview", promotion_id=record.id))
    return _builder(form, errors), 422


@bp.route("/promotions/<uuid:promotion_id>/edit", methods=["GET", "POST"])
@staff_page(MARKETING)
def edit_promotion_page(promotion_id: uuid.UUID):
    """A draft or paused promotion in the builder; saving makes its next version."""
    session, svc = db_session(), services()
    record = get_promotion(session, promotion_id, lock=request.method == "POST")
    if record.kind == "reward":  # the builder's form has no fields for a reward
        abort(409, description="A reward is not edited in the promotion builder: end it here and add the "
                               "changed reward on the Rewards page.")
    if record.state not in EDITABLE:
        abort(409, description=f"This promotion is {record.state}. Only a draft or a paused promotion is edited "
                               "here: pause it first, so tills do not apply a half-made change.")
    if request.method == "GET":
        zone = _zones(session)[0]
        return _builder(promotion_form.form_of(current_definition(session, record), _money(), zone), {}, record)
    definition, errors = _definition(request.form)
    if not errors:
        done, version = _attempt_definition(lambda: edit_promotion(session, record, definition, svc.clock(),
                                                                   acting(), svc.program), errors)
        if done:
            flash(f"{definition['label']} is saved as version {version.version}.", "success")
            return redirect(url_for("admin.promotion", promotion_id=record.id))
    return _builder(request.form, errors, record), 422


@bp.route("/promotions/<uuid:promotion_id>/preview")
@staff_page(MARKETING)
def promotion_preview(promotion_id: uuid.UUID):
    session, svc = db_session(), services()
    record = get_promotion(session, promotion_id)
    version = get_version(session, promotion_id, record.current_version)
    stores = session.scalars(select(Store.code).order_by(Store.code)).all()
    asked = {"store": request.args.get("store") or (stores[0] if stores else ""),
             "lines": request.args.get("lines", ""), "card": request.args.get("card", "").strip(),
             "coupons": request.args.get("coupons", "").strip()}
    shown, error = None, None
    if asked["lines"].strip():
        basket, error = _basket(asked)
        if basket is not None:
            try:
                shown = preview_promotion(session, record, version, basket, svc.program)
            except (OneCardError, LoyaltyError) as exc:  # an unknown product, store or card: said in words
                error = problem_text(exc)
    return render_template("admin/promotion_preview.html", record=record, definition=version.definition,
                           version=version, stores=stores, asked=asked, preview=shown, error=error)


def _basket(asked: dict) -> tuple[QuoteRequest | None, str | None]:
    """The sample basket typed as one line per item ('CRISPS 3', a barcode, or a code alone for one)."""
    lines = []
    for number, line in enumerate(asked["lines"].splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        code, qty = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (parts[0], "1")
        if not qty.isdigit() or int(qty) < 1:
            return None, f"Basket, line {number}: write a product code, a space and a quantity, e.g. CRISPS 3."
        lines.append({"barcode" if code.isdigit() and len(code) >= 8 else "sku": code, "qty": int(qty)})
    body = {"store": asked["store"], "lines": lines, "card_number": asked["card"] or None,
            "coupons": [c for c in asked["coupons"].replace(",", " ").split() if c]}
    try:
        loaded = QuoteRequestSchema().load(body)
    except ma.ValidationError as exc:
        return None, "Basket: " + _flat(exc.messages)
    return QuoteRequest(store=loaded["store"], at=services().clock(), lines=tuple(loaded["lines"]),
                        card_number=loaded["card_number"], coupons=tuple(loaded["coupons"])), None


def _flat(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{k}: {_flat(v)}" for k, v in messages.items())
    return " ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)


def _attempt_definition(action, errors: dict[str, str]):
    """``attempt`` for a definition: the engine's objection goes beside the field it names."""
    def checked():
        try:
            return action()
        except InvalidDefinition as exc:
            promotion_form.place({exc.extra["field"]: [str(exc.extra["errors"][exc.extra["field"]][0])]}, errors)
            raise _Refused from exc

    try:
        return attempt(checked)
    except _Refused:
        db_session().rollback()
        return False, None


class _Refused(Exception):
    """The engine refused the definition; its message is in the form's errors."""


def _definition(form) -> tuple[dict, dict[str, str]]:
    """The form read and loaded by the API's schema; a message per field that is not right."""
    definition, errors = promotion_form.read(form, _money())
    if not errors:
        try:
            return DefinitionSchema().load(definition), errors
        except ma.ValidationError as exc:
            promotion_form.place(exc.messages, errors)
    return definition, errors


def _zones(session) -> list[str]:
    return sorted(set(session.scalars(select(Store.timezone)))) or ["UTC"]


def _money() -> Money:
    settings = services().settings
    return Money(settings.currency, settings.currency_exponent)


def _builder(form, errors: dict[str, str], record=None):
    """The builder page: a new promotion, or ``record``'s next version."""
    session = db_session()
    stores = session.execute(select(Store.code, Store.name, Store.timezone).order_by(Store.code)).all()
    zones = _zones(session)
    segments = session.execute(select(Segment.id, Segment.name, Segment.size).order_by(Segment.name)).all()
    return render_template("admin/promotion_builder.html", form=form, errors=errors, kinds=KINDS, stores=stores,
                           zones=zones, segments=segments, tiers=[t.name for t in services().program.tiers.tiers],
                           periods=PERIODS, weekdays=WEEKDAYS, money=_money(), record=record)
