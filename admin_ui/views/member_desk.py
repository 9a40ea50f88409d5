"""Member service at the desk: enrol a member, change a profile and consents, merge a duplicate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin_ui.access import staff_page
from admin_ui.blueprint import attempt, bp, problem_text
from loyalty.commands import MergeAccounts
from loyalty.exceptions import InvalidCardNumber, InvalidEmail, InvalidPhone, LoyaltyError
from loyalty.merge import merge_accounts
from server.api.context import acting, db_session, services
from server.auth.roles import Role
from server.exceptions import NotFound
from server.membership.cards import get_card, to_value
from server.membership.ledger import load_ledger
from server.membership.members import Enrolment, enrol, get_member, to_profile, update_member
from server.membership.service_desk import merge_members
from server.models import Card, Member, Store
from server.schemas.members import MemberCreateSchema, MemberUpdateSchema

SERVICE = Role.MEMBER_SERVICE
CONSENTS = (("marketing_email", "Offers by e-mail"), ("marketing_sms", "Offers by text message"),
            ("profiling", "Offers chosen from what they buy"))
LABELS = {"name": "Name", "phone": "Phone", "email": "E-mail", "home_store": "Home store", "notes": "Notes",
          "card_number": "Card number", "consents": "Consents"}


@bp.route("/members/new", methods=["GET", "POST"])
@staff_page(SERVICE)
def enrol_member():
    if request.method == "GET":
        return _profile_form("admin/member_enrol.html", {"consents": {}})
    form = _read_profile() | {"card_number": request.form.get("card_number", "").strip() or None}
    errors = _shape_errors(MemberCreateSchema(), form)
    if not errors:
        svc = services()
        enrolment = Enrolment(name=form["name"], phone=form["phone"], email=form["email"],
                              home_store=form["home_store"], consents=form["consents"],
                              card_number=form["card_number"])
        done, enrolled = _attempt_profile(lambda: enrol(db_session(), enrolment, svc.program, svc.clock(),
                                                        acting()), errors)
        if done:
            member, card = enrolled
            flash(f"{member.name} is enrolled with card {card.number}.", "success")
            return redirect(url_for("admin.member", member_id=member.id))
    return _profile_form("admin/member_enrol.html", form, errors), 422


@bp.route("/members/<uuid:member_id>/edit", methods=["GET", "POST"])
@staff_page(SERVICE)
def edit_member(member_id: uuid.UUID):
    person = get_member(db_session(), member_id)
    current = {"name": person.name, "phone": person.phone, "email": person.email, "home_store": person.home_store,
               "notes": person.notes or "", "consents": dict(person.consents)}
    if request.method == "GET":
        return _profile_form("admin/member_edit.html", current, member=person)
    form = _read_profile() | {"notes": request.form.get("notes", "").strip()}
    changes = {key: value for key, value in form.items() if value != current[key]}
    errors = _shape_errors(MemberUpdateSchema(), changes)
    if not changes:
        flash("Nothing to save: every field is as it was.", "info")
        return redirect(url_for("admin.member", member_id=member_id))
    if not errors:
        svc = services()
        done, _ = _attempt_profile(lambda: update_member(db_session(), person, changes, svc.program, svc.clock(),
                                                         acting()), errors)
        if done:
            flash("Saved: " + ", ".join(LABELS[key].lower() for key in sorted(changes)) + ".", "success")
            return redirect(url_for("admin.member", member_id=member_id))
    return _profile_form("admin/member_edit.html", form, errors, member=person), 422


@dataclass(frozen=True)
class Holding:
    """What one account holds: its balance, its cards and how many ledger entries it has."""

    balance: int
    debt: int
    cards: tuple[str, ...]
    entries: int


@dataclass(frozen=True)
class MergePreview:
    survivor: Holding
    duplicate: Holding
    after: Holding
    points_moved: int
    debt_moved: int


@bp.route("/members/<uuid:member_id>/merge", methods=["GET", "POST"])
@staff_page(SERVICE)
def merge(member_id: uuid.UUID):
    session = db_session()
    survivor = get_member(session, member_id)
    asked = (request.values.get("duplicate") or "").strip()
    duplicate, error = _find_duplicate(asked) if asked else (None, None)
    preview = None
    if duplicate is not None:
        try:
            preview = merge_preview(survivor, duplicate)
        except LoyaltyError as exc:
            error = problem_text(exc)
    if request.method == "POST" and preview is not None:
        reason = request.form.get("reason", "").strip()
        if request.form.get("confirm") != "merge":
            flash("Tick the box to confirm the merge.", "error")
        elif not reason:
            flash("Reason: say why these are one person's accounts; it is kept in the audit log.", "error")
        else:
            svc = services()
            done, moved = attempt(lambda: merge_members(session, member_id, duplicate.id, reason, svc.program,
                                                        svc.clock(), acting()))
            if done:
                flash(f"Merged: {moved:,} points and {len(preview.duplicate.cards)} card(s) moved here from the "
                      "duplicate, which is closed.", "success")
                return redirect(url_for("admin.member", member_id=member_id))
    status = 422 if request.method == "POST" or error else 200
    return render_template("admin/member_merge.html", member=survivor, duplicate=duplicate, asked=asked,
                           error=error, preview=preview, reason=request.form.get("reason", "")), status


def merge_preview(survivor: Member, duplicate: Member) -> MergePreview:
    """What the survivor would hold after the merge, from the same plan ``merge_members`` stores; writes nothing.

    Raises:
        MergeNotAllowed: the merge would be refused (the same member, or one merged away or erased).
    """
    session, now = db_session(), services().clock()
    kept, gone = load_ledger(session, survivor.id), load_ledger(session, duplicate.id)
    gone_cards = session.scalars(select(Card).where(Card.member_id == duplicate.id)).all()
    plan = merge_accounts(MergeAccounts(survivor_id=str(survivor.id), merged_id=str(duplicate.id),
                                        merge_id=f"merge:{duplicate.id}", at=now, reason="preview",
                                        actor="preview"),
                          to_profile(survivor), to_profile(duplicate), gone.state, [to_value(c) for c in gone_cards])
    after = kept.apply(plan.survivor_entries, allow_debt=True)
    survivor_now = _holding(survivor.id, kept)
    return MergePreview(survivor=survivor_now, duplicate=_holding(duplicate.id, gone),
                        after=Holding(after.state.balance, after.state.debt,
                                      survivor_now.cards + tuple(c.number for c in plan.cards), len(after.entries)),
                        points_moved=plan.event.points_moved, debt_moved=plan.event.debt_moved)


def _holding(member_id: uuid.UUID, ledger) -> Holding:
    cards = db_session().scalars(select(Card.number).where(Card.member_id == member_id).order_by(Card.issued_at))
    return Holding(ledger.state.balance, ledger.state.debt, tuple(cards), len(ledger.entries))


def _find_duplicate(asked: str) -> tuple[Member | None, str | None]:
    """The member a card number or member id names, or an error in the user's words."""
    session = db_session()
    try:
        if asked.isdigit():
            return get_member(session, get_card(session, services().program, asked).member_id), None
        return get_member(session, uuid.UUID(asked)), None
    except ValueError:
        return None, "Duplicate: enter the other account's card number (13 digits) or its member id."
    except (NotFound, InvalidCardNumber) as exc:
        return None, f"Duplicate: {problem_text(exc)}."


def _read_profile() -> dict:
    form = request.form
    return {"name": form.get("name", "").strip(), "phone": form.get("phone", "").strip() or None,
            "email": form.get("email", "").strip() or None, "home_store": form.get("home_store") or None,
            "consents": {name: form.get(f"consent_{name}") == "yes" for name, _label in CONSENTS}}


def _shape_errors(schema, form: dict) -> dict[str, str]:
    """The API schema's checks (lengths, the card number's shape), one message per field."""
    found = schema.validate({k: v for k, v in form.items() if v is not None or k in ("phone", "email")})
    errors = {field: f"{LABELS.get(field, field)}: {_first(messages)}" for field, messages in found.items()}
    if "name" in form and not form["name"]:
        errors["name"] = "Name: enter the member's name as they want it on their account."
    return errors


def _first(messages) -> str:
    if isinstance(messages, dict):
        return _first(next(iter(messages.values())))
    return str(messages[0]).rstrip(".").lower() if messages else ""


def _attempt_profile(action, errors: dict[str, str]):
    """``attempt`` for an enrolment or a profile change: a value the loyalty rules refuse (phone,
    e-mail, card number) becomes that field's message instead of a message at the top."""
    def checked():
        try:
            return action()
        except (InvalidPhone, InvalidEmail, InvalidCardNumber) as exc:
            field, example = _FIELD_OF[type(exc)]
            errors[field] = f"{LABELS[field]}: {exc.reason}{example}"
            raise _FieldRefused from exc

    try:
        return attempt(checked)
    except _FieldRefused:
        db_session().rollback()
        return False, None


class _FieldRefused(Exception):
    """A field's value was refused; its message is in the form's errors."""


_FIELD_OF = {InvalidPhone: ("phone", ", e.g. +44 20 7946 0958"), InvalidEmail: ("email", ""),
             InvalidCardNumber: ("card_number", "")}


def _profile_form(template: str, form: dict, errors: dict | None = None, **context):
    stores = db_session().execute(select(Store.code, Store.name).order_by(Store.code)).all()
    return render_template(template, form=form, errors=errors or {}, stores=stores, consents=CONSENTS,
                           **context)
