"""Till events for HQ: shifts with their X and Z figures, no-sales with their reasons, refused PINs and
lock-outs, filtered by store, till, cashier, kind and day (server.till_events, as the API)."""

from __future__ import annotations

from flask import Response, render_template
from sqlalchemy import select

from admin_ui.access import staff_page
from admin_ui.blueprint import bp
from admin_ui.tables import Column, Filter, TableSpec, day_end, day_start
from server.api.context import db_session
from server.auth.roles import Role
from server.models import StaffUser, TillEvent
from server.till_events import events_query
from store_sync.till_events import TillEventKind

KIND_WORDS = {
    TillEventKind.SIGN_IN: "signed in", TillEventKind.SIGN_IN_REFUSED: "PIN refused",
    TillEventKind.LOCKED_OUT: "locked out", TillEventKind.SIGN_OUT: "signed out",
    TillEventKind.APPROVAL: "manager approval", TillEventKind.BASKET_VOIDED: "basket voided",
    TillEventKind.NO_SALE: "no sale (drawer opened)", TillEventKind.SHIFT_OPENED: "shift opened",
    TillEventKind.X_REPORT: "X report (shift so far)", TillEventKind.Z_REPORT: "Z report (shift closed)",
}

EVENTS_TABLE = TableSpec(
    name="till-events", caption="Till events, newest first",
    columns=(Column("at", "When", "when"), Column("store", "Store"), Column("till", "Till"),
             Column("kind", "Event"), Column("cashier", "Cashier"), Column("approver", "Approved by"),
             Column("reason", "Reason"), Column("amount", "Amount", "money"), Column("sales", "Sales", "number"),
             Column("sales_minor", "Sales total", "money"), Column("expected", "Expected cash", "money"),
             Column("counted", "Counted cash", "money"), Column("difference", "Difference", "money")),
    filters=(Filter("store", "Store", hint="e.g. S001"), Filter("till", "Till", hint="e.g. T1"),
             Filter("cashier", "Cashier", hint="username"),
             Filter("kind", "Event", "select", tuple((k.value, words) for k, words in KIND_WORDS.items())),
             Filter("from", "From", "date"), Filter("to", "To", "date")))


@bp.route("/till-events")
@staff_page(Role.HQ)
def till_events():
    filters = EVENTS_TABLE.read_filters()
    values = filters.values
    staff = dict(db_session().execute(select(StaffUser.id, StaffUser.username)).all())
    cashier_id = None
    if values["cashier"]:
        cashier_id = next((uid for uid, name in staff.items() if name == values["cashier"].lower()), None)
        if cashier_id is None:
            filters.errors["cashier"] = f"Cashier: there is no staff user named {values['cashier']}."
    stmt = events_query(values["store"], values["till"], values["kind"], cashier_id,
                        day_start(values["from"]), day_end(values["to"]))
    if filters.errors.get("cashier"):
        stmt = stmt.where(TillEvent.id.is_(None))  # an unknown cashier matches nothing
    table = EVENTS_TABLE.show(stmt, lambda event: _row(event, staff), filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/till_events.html", table=table)


def _row(event: TillEvent, staff: dict) -> dict:
    body, figures = event.body or {}, (event.body or {}).get("figures") or {}
    return {"at": event.at, "store": event.store_code, "till": event.terminal_code,
            "kind": KIND_WORDS.get(event.kind, event.kind), "cashier": staff.get(event.cashier_id),
            "approver": staff.get(event.approver_id), "reason": body.get("reason"),
            "amount": body.get("amount_minor"), "sales": figures.get("sales_count"),
            "sales_minor": figures.get("sales_minor"), "expected": figures.get("expected_cash_minor"),
            "counted": figures.get("counted_cash_minor"), "difference": figures.get("difference_minor")}
