"""Marketing: the rewards catalogue (what members buy with points), and a form to add a reward.

A reward is a promotion whose rule kind is ``reward`` (``promotions.rewards``): it is created here
through the same services as ``POST /api/v1/rewards`` (checked by the same schema and the engine,
audited, published to the tills), and paused, resumed or ended from its promotion page.
"""

from __future__ import annotations

import marshmallow as ma
from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import and_, select
from werkzeug.datastructures import MultiDict

from admin_ui import formatting
from admin_ui.access import staff_page
from admin_ui.blueprint import attempt, bp
from admin_ui.promotion_form import PERIODS, Money
from admin_ui.tables import Column, Filter, TableSpec
from server.api.context import acting, db_session, services
from server.auth.roles import Role
from server.models import PromotionRecord, PromotionVersion
from server.pricing.exceptions import InvalidDefinition
from server.pricing.references import UnknownReference
from server.pricing.states import State, change_state
from server.pricing.versions import create_promotion, current_definition
from server.schemas.promotions import RewardCreateSchema

REWARD_KINDS = (("free_product", "A product free"), ("amount_off", "An amount off products or categories"),
                ("percent_off", "A percentage off products or categories"),
                ("voucher", "A voucher off the whole basket"))
TABLE = TableSpec(
    name="rewards", caption="Rewards",
    columns=(Column("label", "Reward"), Column("gives", "Gives"), Column("points", "Points", "points"),
             Column("per_basket", "Per basket", "number"), Column("per_member", "Per member"),
             Column("state", "State"), Column("updated_at", "Last change", "when")),
    filters=(Filter("state", "State", "select", tuple((s.value, s.value) for s in State)),))


@bp.route("/rewards", methods=["GET", "POST"])
@staff_page(Role.MARKETING)
def rewards():
    form = request.form if request.method == "POST" else MultiDict({"reward": "free_product", "max_per_basket": "1"})
    errors: dict[str, str] = {}
    if request.method == "POST":
        loaded, errors = _loaded(form)
        if not errors:
            done, record = attempt(lambda: _create(loaded, form.get("state") == State.ACTIVE, errors))
            if done:
                flash(f"{loaded['label']} is saved ({record.state}).", "success")
                return redirect(url_for("admin.rewards"))
            errors = errors or {"label": "Not saved: see the message above."}
    table = _table()
    if isinstance(table, Response):
        return table
    page = render_template("admin/rewards.html", table=table, form=form, errors=errors, kinds=REWARD_KINDS,
                           periods=PERIODS, money=_money())
    return (page, 422) if errors else page


def _table():
    filters = TABLE.read_filters()
    stmt = (select(PromotionRecord, PromotionVersion.definition)
            .join(PromotionVersion, and_(PromotionVersion.promotion_id == PromotionRecord.id,
                                         PromotionVersion.version == PromotionRecord.current_version))
            .where(PromotionRecord.kind == "reward").order_by(PromotionRecord.updated_at.desc(), PromotionRecord.id))
    if filters.values["state"]:
        stmt = stmt.where(PromotionRecord.state == filters.values["state"])
    return TABLE.show(db_session().execute(stmt).all(), _row, filters)


def _row(row) -> dict:
    record, definition = row
    rule, limit = definition["rule"], definition.get("usage_limit")
    return {"label": definition["label"], "label_href": url_for("admin.promotion", promotion_id=record.id),
            "gives": gives(rule, _money()), "points": rule["points"], "per_basket": rule.get("max_per_basket", 1),
            "per_member": f"{limit['max_uses']} {dict(PERIODS)[limit['period']]}" if limit else "no limit",
            "state": record.state, "updated_at": record.updated_at}


def gives(rule: dict, money: Money) -> str:
    """What a reward gives, in words: 'BREAD free', '€1.00 off COFFEE', '20 % off category bakery'."""
    scope = rule.get("scope") or {}
    named = ", ".join([*scope.get("skus", []), *(f"category {c}" for c in scope.get("categories", []))])
    if rule["reward"] == "free_product":
        return f"{rule['sku']} free"
    if rule["reward"] == "voucher":
        return f"{formatting.money(rule['amount_minor'], money.currency, money.exponent)} off the basket"
    if rule["reward"] == "amount_off":
        return f"{formatting.money(rule['amount_minor'], money.currency, money.exponent)} off {named}"
    return f"{formatting.percent_text(rule['percent_bp'])} % off {named}"


def _loaded(form) -> tuple[dict, dict[str, str]]:
    """The form as the API's reward body, loaded by its schema; a message per field that is wrong."""
    errors: dict[str, str] = {}
    money = _money()
    rule: dict = {"reward": form.get("reward", ""), "points": _whole(form, "points", errors),
                  "max_per_basket": _whole(form, "max_per_basket", errors)}
    if rule["reward"] == "free_product":
        rule["sku"] = form.get("sku", "").strip()
    if rule["reward"] in ("amount_off", "voucher"):
        rule["amount_minor"] = money.parse(form.get("amount", ""))
        if rule["amount_minor"] is None:
            errors["amount"] = f"Write an amount such as {money.example()}."
    if rule["reward"] == "percent_off":
        percent = _whole(form, "percent", errors)
        rule["percent_bp"] = percent * 100 if percent is not None else None
    if rule["reward"] in ("amount_off", "percent_off"):
        rule["scope"] = {"skus": _names(form.get("skus", "")), "categories": _names(form.get("categories", ""))}
    body = {"label": form.get("label", "").strip(), "rule": rule}
    if form.get("max_uses", "").strip():
        body["usage_limit"] = {"max_uses": _whole(form, "max_uses", errors), "period": form.get("period", "ever")}
    if errors:
        return body, errors
    try:
        return RewardCreateSchema().load(body), errors
    except ma.ValidationError as exc:
        for field, messages in exc.messages.items():
            inner = messages if isinstance(messages, dict) else {field: messages}
            for name, why in inner.items():
                errors[_FIELDS.get(name, name)] = " ".join(map(str, why if isinstance(why, list) else [why]))
        return body, errors


_FIELDS = {"amount_minor": "amount", "amount": "amount", "percent_bp": "percent", "usage_limit": "max_uses",
           "scope": "skus", "reward": "reward"}


def _whole(form, name: str, errors: dict[str, str]) -> int | None:
    text = form.get(name, "").strip()
    if not text.isdigit():
        errors[name] = "Write a whole number."
        return None
    return int(text)


def _names(text: str) -> list[str]:
    return [name for name in text.replace(",", " ").split() if name]


def _create(loaded: dict, live: bool, errors: dict[str, str]) -> PromotionRecord:
    """Create the reward; the engine's objection or an unknown product or category is also put
    beside the field it names (``attempt`` rolls back and shows it above the form)."""
    session, svc = db_session(), services()
    loaded.pop("state", None)
    try:
        record = create_promotion(session, loaded, State.DRAFT, svc.clock(), acting(), svc.program)
    except (InvalidDefinition, UnknownReference) as exc:
        for field, messages in exc.extra["errors"].items():
            errors[_FIELDS.get(field.split(".")[-1], field.split(".")[-1])] = messages[0]
        raise
    if live:
        change_state(session, record, State.ACTIVE, current_definition(session, record), "created live",
                     svc.clock(), acting())
    return record


def _money() -> Money:
    settings = services().settings
    return Money(settings.currency, settings.currency_exponent)
