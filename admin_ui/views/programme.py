"""The loyalty programme: the version in force, every version with its effective time, what changed
between two versions, and a form for a new version (server.membership.programme_versions, as the API)."""

from __future__ import annotations

import hashlib
import json
from functools import partial

from flask import Response, abort, flash, redirect, render_template, request, url_for

from admin_ui import programme_form
from admin_ui.access import staff_page
from admin_ui.blueprint import bp
from admin_ui.formatting import money
from admin_ui.programme_form import TENDERS
from admin_ui.programme_words import changes, describe
from admin_ui.promotion_form import Money
from admin_ui.tables import Column, Filter, TableSpec
from server.api.context import acting, db_session, services
from server.auth.roles import Role
from server.exceptions import OneCardError
from server.membership.programme_versions import add_version, get_version, version_rows

EVERY_ROLE = tuple(Role)  # any staff role reads the programme, as the API lets it
STATES = (("in_force", "in force"), ("scheduled", "scheduled"), ("past", "past"))

VERSIONS_TABLE = TableSpec(
    name="programme-versions", caption="Versions, newest first",
    columns=(Column("number", "Version"), Column("effective_from", "In force from", "when"),
             Column("state", "State"), Column("created_by", "Made by"), Column("created_at", "Made", "when"),
             Column("changes", "What it changed")),
    filters=(Filter("state", "State", "select", STATES), Filter("q", "Change mentions", hint="e.g. tier gold")),
    per_page=25)


@bp.route("/programme")
@staff_page(*EVERY_ROLE)
def programme():
    rows, in_force = _versions()
    filters = VERSIONS_TABLE.read_filters()
    words, now = _money(), services().clock()
    listed = []
    for before, row in reversed(list(zip([None, *rows[:-1]], rows, strict=True))):
        said = changes(before.body, row.body, words) if before else ["the first version"]
        state = _state(row, in_force, now)
        if filters.values["state"] not in (None, state) or (
                filters.values["q"] and filters.values["q"].casefold() not in " ".join(said).casefold()):
            continue
        listed.append({"number": row.number, "number_href": url_for("admin.programme_version", version=row.number),
                       "effective_from": row.effective_from, "state": dict(STATES)[state],
                       "created_by": row.created_by, "created_at": row.created_at,
                       "changes": "; ".join(said) or "nothing (saved unchanged)"})
    table = VERSIONS_TABLE.show(listed, filters=filters)
    if isinstance(table, Response):
        return table
    current = next(row for row in rows if row.number == in_force)
    scheduled = [row for row in rows if _state(row, in_force, now) == "scheduled"]
    return render_template("admin/programme.html", table=table, current=current, words=describe(current.body, words),
                           scheduled=scheduled)


@bp.route("/programme/versions/<int:version>")
@staff_page(*EVERY_ROLE)
def programme_version(version: int):
    rows, in_force = _versions()
    row = get_version(db_session(), version)
    before = next((r for r in rows if r.number == version - 1), None)
    words = _money()
    state = dict(STATES)[_state(row, in_force, services().clock())]
    return render_template("admin/programme_version.html", row=row, state=state,
                           words=describe(row.body, words), numbers=[r.number for r in rows],
                           changed=changes(before.body, row.body, words) if before else None)


@bp.route("/programme/compare")
@staff_page(*EVERY_ROLE)
def programme_compare():
    rows, _in_force = _versions()
    by_number = {row.number: row for row in rows}
    try:
        first, second = (int(request.args.get(name, "")) for name in ("from", "to"))
    except ValueError:
        abort(400, description="Choose two versions to compare.")
    if first not in by_number or second not in by_number:
        abort(404, description="There is no such programme version.")
    return render_template("admin/programme_compare.html", first=by_number[first], second=by_number[second],
                           numbers=sorted(by_number),
                           changed=changes(by_number[first].body, by_number[second].body, _money()))


@bp.route("/programme/new", methods=["GET", "POST"])
@staff_page(Role.MARKETING)
def new_programme_version():
    """The form; a POST first shows what the version would change (checked by the service, nothing kept),
    and saves only the very body that was reviewed."""
    rows, in_force = _versions()
    current, latest = next(row for row in rows if row.number == in_force), rows[-1]
    typed = Money(services().settings.currency, services().settings.currency_exponent)
    if request.method == "GET":
        return _form(current, programme_form.fields_of(latest.body, typed), {}, latest.number)
    body, effective_from, errors, tier_rows = programme_form.read(request.form, typed)
    fields = programme_form.fields_from_form(request.form)
    reviewed = _fingerprint(body, effective_from)
    if not errors and request.form.get("action") == "save" and request.form.get("reviewed") == reviewed:
        made = _add(body, effective_from, errors, tier_rows, typed, keep=True)
        if made is not None:
            flash(f"Version {made} is saved: " + (
                "in force now, and on its way to every till." if effective_from is None else
                f"in force from {effective_from:%Y-%m-%d %H:%M} UTC; tills have it ahead of time."), "success")
            return redirect(url_for("admin.programme_version", version=made))
    elif not errors:
        number = _add(body, effective_from, errors, tier_rows, typed, keep=False)
        if number is not None:
            return _form(current, fields, {}, latest.number, review={
                "number": number, "fingerprint": reviewed, "changes": changes(latest.body, body, _money()),
                "effective_from": effective_from})
    return _form(current, fields, errors, latest.number), 422


def _add(body: dict, effective_from, errors: dict, tier_rows: list[int], typed: Money, keep: bool) -> int | None:
    """Make the version through the programme's own service (checked, audited, published), or say why not;
    with ``keep`` False only try it: the number it would get, everything written rolled back."""
    session, svc = db_session(), services()
    now = svc.clock()
    try:
        number = add_version(session, body, effective_from or now, acting(), now, svc.settings).number
    except OneCardError as exc:
        session.rollback()
        programme_form.place(exc.extra.get("errors") or {"form": [exc.detail]}, typed, errors, tier_rows)
        return None
    if not keep:
        session.rollback()
        return number
    session.commit()
    svc.programmes.forget()
    return number


def _fingerprint(body: dict, effective_from) -> str:
    """Names exactly what was reviewed: a save of anything else is reviewed again first."""
    text = json.dumps([body, effective_from.isoformat() if effective_from else None], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _form(current, fields: dict, errors: dict, based_on: int, review: dict | None = None):
    rows = max(int(fields.get("tier_rows") or 0), 1)
    return render_template("admin/programme_form.html", current=current, fields=fields, errors=errors, review=review,
                           tier_rows=range(rows), tenders=TENDERS,
                           labels=programme_form.LABELS, based_on=based_on,
                           money_example=Money(services().settings.currency,
                                               services().settings.currency_exponent).example())


def _versions():
    """Every version, oldest first, and the number of the one in force now (as the API answers)."""
    svc = services()
    in_force = svc.programmes.at(svc.clock()).version.number  # first: seeds version 1 into an empty table
    return version_rows(db_session()), in_force


def _state(row, in_force: int, now) -> str:
    """In force now, scheduled (in force from a later time), or past (another took its place)."""
    return "in_force" if row.number == in_force else "scheduled" if row.effective_from > now else "past"


def _money():
    settings = services().settings
    return partial(money, currency=settings.currency, exponent=settings.currency_exponent)
