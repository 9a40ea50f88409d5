"""Tax classes: every class with its rate (any staff role reads), and an admin's form to add a class or
change a rate (server.pricing.taxes, as the API: audited, in force at once, sent to the tills)."""

from __future__ import annotations

import re

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from admin_ui.access import staff_page
from admin_ui.blueprint import bp
from admin_ui.formatting import percent_text
from admin_ui.tables import Column, Filter, TableSpec
from server.api.context import acting, db_session, services
from server.auth.roles import Role
from server.exceptions import OneCardError
from server.models import Product, TaxClass
from server.pricing.taxes import change_tax_class

EVERY_ROLE = tuple(Role)
_RATE = re.compile(r"^\d{1,3}([.,]\d{1,2})?$")

TAX_TABLE = TableSpec(
    name="tax-classes", caption="Tax classes",
    columns=(Column("code", "Code", "code"), Column("name", "Name"), Column("rate", "Rate (%)", "number"),
             Column("products", "Products", "number"), Column("updated_at", "Rate in force since", "when")),
    filters=(Filter("q", "Code or name"),))


@bp.route("/tax-classes")
@staff_page(*EVERY_ROLE)
def tax_classes():
    return _page({}, {})


@bp.route("/tax-classes", methods=["POST"])
@staff_page()
def set_tax_class():
    form = {name: request.form.get(name, "").strip() for name in ("code", "name", "rate")}
    errors = {}
    rate_bp = _rate_bp(form["rate"])
    if rate_bp is None:
        errors["rate"] = "Rate: write a percentage from 0 to 100 with at most two decimals, e.g. 20 or 5.5."
    if not form["name"]:
        errors["name"] = "Name: say what the class is for, e.g. Reduced rate (food)."
    if not errors:
        session, now = db_session(), services().clock()
        known = session.get(TaxClass, form["code"]) is not None
        try:
            change_tax_class(session, form["code"], form["name"], rate_bp, now, acting())
            session.commit()
        except OneCardError as exc:
            session.rollback()
            for field, reasons in (exc.extra.get("errors") or {"code": [exc.detail]}).items():
                name = "rate" if field == "rate_bp" else field
                errors[name] = f"{_LABELS.get(name, name)}: {'; '.join(reasons)}."
        else:
            flash(f"Tax class {form['code']} {'changed' if known else 'added'}: {percent_text(rate_bp)} % from "
                  f"{now:%Y-%m-%d %H:%M} UTC; its products go to the tills with the new rate.", "success")
            return redirect(url_for("admin.tax_classes"))
    return _page(form, errors), 422


_LABELS = {"code": "Code", "name": "Name", "rate": "Rate"}


def _rate_bp(text: str) -> int | None:
    """'20' -> 2000, '5.5' -> 550 basis points; None for anything else or above 100 %."""
    text = text.rstrip("%").strip()
    if not _RATE.match(text):
        return None
    whole, _, cents = text.replace(",", ".").partition(".")
    rate = int(whole) * 100 + int(cents.ljust(2, "0") or 0)
    return rate if rate <= 10_000 else None


def _page(form: dict, errors: dict):
    filters = TAX_TABLE.read_filters()
    counts = select(Product.tax_class, func.count().label("n")).group_by(Product.tax_class).subquery()
    stmt = (select(TaxClass, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.tax_class == TaxClass.code)
            .order_by(TaxClass.code))
    if filters.values["q"]:
        fragment = filters.values["q"].lower()
        stmt = stmt.where(func.lower(TaxClass.code).contains(fragment, autoescape=True)
                          | func.lower(TaxClass.name).contains(fragment, autoescape=True))
    table = TAX_TABLE.show(stmt, lambda row: {
        "code": row[0].code, "name": row[0].name, "rate": percent_text(row[0].rate_bp), "products": row[1],
        "updated_at": row[0].updated_at}, filters)
    if isinstance(table, Response):
        return table
    codes = db_session().scalars(select(TaxClass.code).order_by(TaxClass.code)).all()
    return render_template("admin/tax_classes.html", table=table, form=form, errors=errors, codes=codes)
