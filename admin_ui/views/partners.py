"""Partner merchants (admin): the partners and their terms, API keys (issued once, revoked), settlement per month."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import marshmallow as ma
from flask import Response, abort, flash, redirect, render_template, request, url_for

from admin_ui.access import staff_page
from admin_ui.blueprint import attempt, bp
from admin_ui.formatting import money as money_text
from admin_ui.promotion_form import Money
from admin_ui.tables import Column, Filter, TableSpec
from loyalty.partners import PartnerTerms
from server.api.context import acting, db_session, services
from server.models import Partner
from server.partners.keys import create_partner, get_partner, issue_key, list_partners, partner_keys, revoke_key
from server.partners.settlement import monthly_settlements, settlement
from server.schemas.partners import PartnerCreateSchema

PARTNERS_TABLE = TableSpec(
    name="partners", caption="Partner merchants",
    columns=(Column("code", "Code"), Column("name", "Name"), Column("earning", "Members earn"),
             Column("issue_price", "Partner pays per 100 issued", "money"),
             Column("redeem_value", "Chain pays per 100 spent", "money"),
             Column("live_keys", "Live keys", "number"), Column("created_at", "Since", "day")))

KEYS_TABLE = TableSpec(
    name="partner-keys", caption="API keys",
    columns=(Column("key_id", "Key id", "code"), Column("scopes", "May"), Column("state", "State"),
             Column("created_at", "Issued", "when"), Column("revoked_at", "Revoked", "when"),
             Column("revoke", "Key", "action")))

SETTLEMENT_TABLE = TableSpec(
    name="partner-settlement", caption="Settlement by month (UTC)",
    columns=(Column("start", "From", "day"), Column("last_day", "To", "day"),
             Column("points_issued", "Points issued", "points"), Column("points_redeemed", "Points redeemed", "points"),
             Column("partner_owes", "Partner owes", "money"), Column("chain_owes", "Chain owes", "money"),
             Column("net_to_chain", "Net to the chain", "money")),
    filters=(Filter("from", "From", "date"), Filter("to", "To", "date")), per_page=24)

SCOPES = (("earn", "Earn: credit points on the partner's sales"),
          ("burn", "Burn: take points as payment, with the member's code"))
MAX_MONTHS = 36


def _money() -> Money:
    settings = services().settings
    return Money(settings.currency, settings.currency_exponent)


@bp.route("/partners")
@staff_page()
def partners():
    table = _partners_table()
    if isinstance(table, Response):
        return table
    return render_template("admin/partners.html", table=table, form={}, errors={})


def _partners_table():
    session = db_session()
    return PARTNERS_TABLE.show(list_partners(session), lambda p: {
        "code": p.code, "code_href": url_for("admin.partner", partner_code=p.code), "name": p.name,
        "earning": _earning_text(p), "issue_price": p.issue_price_per_100, "redeem_value": p.redeem_value_per_100,
        "live_keys": sum(1 for k in partner_keys(session, p) if k.revoked_at is None), "created_at": p.created_at})


def _earning_text(partner: Partner) -> str:
    settings = services().settings
    per = money_text(partner.unit_minor, settings.currency, settings.currency_exponent)
    return f"{partner.points_per_unit} point{'s' if partner.points_per_unit != 1 else ''} per {per}"


@bp.route("/partners", methods=["POST"])
@staff_page()
def create_partner_page():
    form, errors = request.form, {}
    body = {"code": form.get("code", "").strip(), "name": form.get("name", "").strip()}
    money = _money()
    for field, label, kind in (("points_per_unit", "Points", "count"), ("unit_minor", "For every", "money"),
                               ("issue_price_per_100", "Partner pays", "money"),
                               ("redeem_value_per_100", "Chain pays", "money")):
        text = form.get(field, "").strip()
        value = (int(text) if text.isdigit() else None) if kind == "count" else money.parse(text)
        if value is None:
            errors[field] = (f"{label}: a whole number, e.g. 1" if kind == "count"
                             else f"{label}: an amount such as {money.example()}")
        body[field] = value
    if not errors:
        try:
            body = PartnerCreateSchema().load(body)
        except ma.ValidationError as exc:
            errors = {k: " ".join(v) if isinstance(v, list) else str(v) for k, v in exc.messages.items()}
    if not errors:
        terms = PartnerTerms(body["points_per_unit"], body["unit_minor"], body["issue_price_per_100"],
                             body["redeem_value_per_100"])
        done, made = attempt(lambda: create_partner(db_session(), body["code"], body["name"], terms,
                                                    services().clock(), acting()))
        if done:
            flash(f"Partner {made.code} created. Issue it a key next.", "success")
            return redirect(url_for("admin.partner", partner_code=made.code))
    return render_template("admin/partners.html", table=_partners_table(), form=form, errors=errors), 422


@bp.route("/partners/<partner_code>")
@staff_page()
def partner(partner_code: str):
    session = db_session()
    found = get_partner(session, partner_code)
    table = KEYS_TABLE.show(partner_keys(session, found), lambda k: {
        "key_id": k.key_id, "scopes": " and ".join(k.scopes), "state": "revoked" if k.revoked_at else "live",
        "created_at": k.created_at, "revoked_at": k.revoked_at,
        **({"revoke": "Revoke…",
            "revoke_href": url_for("admin.revoke_partner_key", partner_code=partner_code, key_id=k.key_id)}
           if k.revoked_at is None else {"revoke": None})})
    if isinstance(table, Response):
        return table
    return render_template("admin/partner.html", partner=found, table=table, scopes=SCOPES,
                           earning=_earning_text(found))


@bp.route("/partners/<partner_code>/keys", methods=["POST"])
@staff_page()
def issue_partner_key(partner_code: str):
    session = db_session()
    found = get_partner(session, partner_code)
    scopes = [s for s in request.form.getlist("scopes") if s in dict(SCOPES)]
    if not scopes:
        flash("Tick what the key may do: earn, burn or both.", "error")
        return redirect(url_for("admin.partner", partner_code=partner_code))
    done, issued = attempt(lambda: issue_key(session, found, scopes, services().clock(), acting()))
    if not done:
        return redirect(url_for("admin.partner", partner_code=partner_code))
    # Only a hash is kept: this page is the one and only time the key is shown.
    return render_template("admin/partner_key_issued.html", partner=found, issued=issued), 201


@bp.route("/partners/<partner_code>/keys/<key_id>/revoke", methods=["GET", "POST"])
@staff_page()
def revoke_partner_key(partner_code: str, key_id: str):
    session = db_session()
    found = get_partner(session, partner_code)
    key = next((k for k in partner_keys(session, found) if k.key_id == key_id), None)
    if key is None:
        abort(404, description=f"Partner {partner_code} has no key {key_id}.")
    if request.method == "GET":
        return render_template("admin/revoke_partner_key.html", partner=found, key=key)
    reason = request.form.get("reason", "").strip()
    if request.form.get("confirm") != "revoke":
        flash("Tick the box to confirm that this key is to stop working.", "error")
    elif attempt(lambda: revoke_key(session, found, key_id, services().clock(), acting(), reason or None))[0]:
        flash(f"Key {key_id} of {found.name} is revoked: its next request is refused.", "success")
        return redirect(url_for("admin.partner", partner_code=partner_code))
    return render_template("admin/revoke_partner_key.html", partner=found, key=key, reason=reason), 422


@bp.route("/partners/<partner_code>/settlement")
@staff_page()
def partner_settlement(partner_code: str):
    """Settlement per calendar month between two days (UTC), each month rounded once, and the whole range."""
    session = db_session()
    found = get_partner(session, partner_code)
    filters = SETTLEMENT_TABLE.read_filters()
    today = services().clock().date()
    first = filters.values["from"] or (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    last = filters.values["to"] or today
    if last < first:
        filters.errors["to"] = "To: a day on or after From"
        last = first
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        filters.errors["from"] = f"From: at most {MAX_MONTHS} months in one table"
        first = (last.replace(day=1) - timedelta(days=31 * (MAX_MONTHS - 1))).replace(day=1)
    filters.raw.setdefault("from", first.isoformat())  # the form and the CSV link show the days used
    filters.raw.setdefault("to", last.isoformat())
    start, end = _day(first), _day(last + timedelta(days=1))
    rows = [{"start": a.date(), "last_day": (b - timedelta(days=1)).date(), "points_issued": s.points_issued,
             "points_redeemed": s.points_redeemed, "partner_owes": s.partner_owes, "chain_owes": s.chain_owes,
             "net_to_chain": s.net_to_chain} for a, b, s in monthly_settlements(session, found, start, end)]
    table = SETTLEMENT_TABLE.show(rows, filters=filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/partner_settlement.html", partner=found, table=table, first=first, last=last,
                           whole=settlement(session, found, start, end))


def _day(value: date) -> datetime:
    return datetime.combine(value, time(), tzinfo=UTC)
