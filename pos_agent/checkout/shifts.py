"""Shifts at the till: open with a float, X reports on the way, close with a cash count (Z report);
and the no-sale drawer opening.

A shift belongs to the cashier who opened it at this till (at a till nobody signs in at, to nobody),
so X and Z reports are per till and cashier. Its figures come from the transactions this till kept
for that cashier since the open (``shift_figures``). Every report and no-sale is a till event in the
journal, written in the same local transaction as the shift's own row, then printed; a no-sale
slip and a cash sale's receipt kick the drawer open.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from devices.sale import StoreHeader, Tender
from devices.shift import NoSaleSlip, ShiftReport
from pos_agent.checkout.cashiers import Cashiers
from pos_agent.checkout.completion import TENDER_LABELS, store_header
from pos_agent.checkout.reference import ReferenceData
from pos_agent.checkout.shift_figures import ShiftFigures, shift_figures
from pos_agent.exceptions import ShiftStateError
from pos_agent.ids import new_id
from pos_agent.store.database import Database
from store_sync.till_events import TillEventKind


class Shifts:
    def __init__(self, db: Database, cashiers: Cashiers, ref: ReferenceData, clock: Callable[[], datetime]) -> None:
        self.db, self.cashiers, self.ref, self.clock = db, cashiers, ref, clock
        self.on_print: Callable[[NoSaleSlip | ShiftReport], None] = lambda slip: None  # e.g. the printer
        self._lock = threading.Lock()

    def current(self) -> dict[str, Any] | None:
        """The signed-in cashier's open shift at this till, or None."""
        with self.db.reading() as conn:
            row = conn.execute("SELECT * FROM shifts WHERE closed_at IS NULL AND cashier_id IS ?",
                               (self.cashiers.cashier_id(),)).fetchone()
        return None if row is None else dict(row)

    def open(self, float_minor: int) -> dict[str, Any]:
        self.cashiers.require()
        with self._lock:
            if self.current() is not None:
                raise ShiftStateError("a shift is already open for this cashier: close it first")
            shift_id, now = new_id(), self.clock()
            with self.db.transaction() as conn:
                conn.execute("INSERT INTO shifts (id, cashier_id, cashier_name, opened_at, float_minor) "
                             "VALUES (?, ?, ?, ?, ?)", (shift_id, self.cashiers.cashier_id(),
                                                        self.cashiers.cashier_name(), now.isoformat(), float_minor))
                self.cashiers.record(TillEventKind.SHIFT_OPENED, conn, subject=shift_id, amount_minor=float_minor)
            return self.current()

    def x_report(self) -> dict[str, Any]:
        """The open shift's figures so far: journalled and printed; the shift goes on."""
        return self._report(None)

    def close(self, counted_cash_minor: int) -> dict[str, Any]:
        """Close the shift with the cash counted in the drawer: the Z report, journalled and printed."""
        return self._report(counted_cash_minor)

    def no_sale(self, reason: str) -> dict[str, Any]:
        """Open the drawer without a sale: journalled with the reason, counted in the shift, slip printed."""
        self.cashiers.require()
        reason = reason.strip()
        if not reason:
            raise ShiftStateError("say why the drawer is opened")
        with self._lock, self.db.transaction() as conn:
            conn.execute("UPDATE shifts SET no_sales = no_sales + 1 WHERE closed_at IS NULL AND cashier_id IS ?",
                         (self.cashiers.cashier_id(),))
            event = self.cashiers.record(TillEventKind.NO_SALE, conn, reason=reason[:200])
        self.on_print(NoSaleSlip(event["id"], self._store(), self.clock(), reason[:200],
                                 self.cashiers.terminal, self.cashiers.cashier_name()))
        return {"id": event["id"], "reason": event["reason"], "at": event["at"]}

    def _report(self, counted: int | None) -> dict[str, Any]:
        self.cashiers.require()
        with self._lock:
            shift = self.current()
            if shift is None:
                raise ShiftStateError("no shift is open: open one with a float first")
            now = self.clock()
            figures = shift_figures(self._records(shift), shift["float_minor"], shift["no_sales"], counted)
            kind = TillEventKind.X_REPORT if counted is None else TillEventKind.Z_REPORT
            wire = {"shift_id": shift["id"], "opened_at": shift["opened_at"], "until": now.isoformat(),
                    **figures.as_dict()}
            with self.db.transaction() as conn:
                if counted is not None:
                    conn.execute("UPDATE shifts SET closed_at = ?, counted_minor = ? WHERE id = ?",
                                 (now.isoformat(), counted, shift["id"]))
                event = self.cashiers.record(kind, conn, subject=shift["id"], figures=wire)
        self.on_print(self._printable(event["id"], shift, figures, now, counted is not None))
        return {"id": event["id"], "kind": kind.value, "cashier": shift["cashier_name"], **wire}

    def _records(self, shift: dict[str, Any]) -> list[dict[str, Any]]:
        with self.db.reading() as conn:
            rows = conn.execute("SELECT record FROM sales WHERE at >= ? ORDER BY at", (shift["opened_at"],)).fetchall()
        records = [json.loads(row["record"]) for row in rows]
        return [r for r in records if r["body"].get("cashier_id") == shift["cashier_id"]]

    def _store(self) -> StoreHeader:
        return store_header(self.ref.store())

    def _printable(self, event_id: str, shift: dict[str, Any], figures: ShiftFigures, now: datetime,
                   final: bool) -> ShiftReport:
        program = self.ref.program()
        tenders = tuple(Tender(TENDER_LABELS.get(kind, kind), amount)
                        for kind, amount in sorted(figures.tenders.items()))
        return ShiftReport(
            receipt_id=event_id, store=self._store(), at=now, opened_at=datetime.fromisoformat(shift["opened_at"]),
            final=final, float_amount=figures.float_minor, sales_count=figures.sales_count, sales=figures.sales_minor,
            refunds_count=figures.refunds_count, refunds=figures.refunds_minor, voids_count=figures.voids_count,
            no_sales=figures.no_sales, tenders=tenders, points_redeemed=figures.points_redeemed,
            expected_cash=figures.expected_cash_minor, counted_cash=figures.counted_cash_minor,
            currency=program.currency, exponent=program.exponent,
            terminal=self.cashiers.terminal, cashier=shift["cashier_name"])
