"""Returns and voids against an earlier receipt: a sale of this till (its local store) or of any
other till of the chain (looked up on the server).

The refund and the points taken back are worked out with ``loyalty.returns`` from what the sale
recorded, the same rule the server applies when the journal item arrives. The return, its journal
item and its refund receipt are kept in one local transaction; the receipt then goes to
``on_complete`` (the printer), like a sale's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from devices.refund import RefundReceipt
from loyalty.earning import SaleLine
from loyalty.exceptions import LoyaltyError
from loyalty.returns import ReturnOutcome, RewardRecord, SaleRecord, refunded_by_line, reverse_return
from pos_agent.checkout import refunds
from pos_agent.checkout.reference import ReferenceData
from pos_agent.exceptions import LinkDown, ReturnRefused, SaleNotFound
from pos_agent.ids import new_id
from pos_agent.link.port import ServerLink
from pos_agent.store import journal, sales
from pos_agent.store.database import Database
from pos_agent.sync.mode import LinkMode
from promotions.tax import returned_taxes
from store_sync.journal import ItemType
from store_sync.transactions import TenderKind, TenderLine, TillTransaction, TransactionKind, TransactionLine

if TYPE_CHECKING:
    from pos_agent.checkout.cashiers import Cashiers
    from pos_agent.checkout.lane import Till


class Returns:
    def __init__(self, db: Database, ref: ReferenceData, clock: Callable[[], datetime],
                 on_journal: Callable[[], None], link: ServerLink, till: Till, mode: LinkMode) -> None:
        self.db, self.ref, self.clock, self.on_journal = db, ref, clock, on_journal
        self.link, self.till, self.mode = link, till, mode
        self.on_complete: Callable[[RefundReceipt], None] = lambda refund: None  # e.g. print the receipt
        self.cashiers: Cashiers | None = None  # sign-in and approvals; None: a till nobody signs in at
        self._lock = threading.Lock()

    def sale(self, sale_id: str) -> dict[str, Any]:
        """The sale with what was already returned of it: from this till, else from the server."""
        with self.db.reading() as conn:
            record = sales.get_sale(conn, sale_id)
            earlier = sales.undoing(conn, sale_id)
        if record is None or record["body"]["kind"] != "sale":
            return self._from_server(sale_id, earlier)
        return {**record, **self._with_other_tills(sale_id, earlier)}

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest sales of this till, newest first, for a cashier finding one without its receipt."""
        with self.db.reading() as conn:
            found = sales.recent_sales(conn, limit)
        return [{"id": r["body"]["id"], "at": r["body"]["at"], "total_minor": r["total_minor"],
                 "card_number": r["body"].get("card_number"), "offline": r["body"]["offline"],
                 "items": sum(ln["qty"] for ln in r["body"]["lines"])} for r in found]

    def returnable(self, found: dict[str, Any]) -> list[dict[str, Any]]:
        """The lines of a sale (as ``sale`` found it) named, with the units that may still come back."""
        names = {ln["line_id"]: ln["name"] for ln in found.get("view", {}).get("lines", [])}
        returned = found["returned"]
        return [{"line_id": ln["line_id"], "sku": ln.get("sku", ""),
                 "name": names.get(ln["line_id"]) or self._product_name(ln.get("sku", "")) or ln.get("sku", ""),
                 "qty": ln["qty"], "paid_minor": ln["paid_minor"], "returned": returned.get(ln["line_id"], 0),
                 "left": 0 if found["voided"] else ln["qty"] - returned.get(ln["line_id"], 0)}
                for ln in found["body"]["lines"]]

    def _with_other_tills(self, sale_id: str, local: list[dict[str, Any]]) -> dict[str, Any]:
        """What was returned of a sale of this till, here and (when online) at any other till.

        Another till can only have found the sale on the server, so a server that does not know
        it yet (or cannot be reached) leaves this till's own returns as the whole story.
        """
        here = {"returned": _returned(local), "voided": any(r["body"]["kind"] == "void" for r in local)}
        if not self.mode.online:
            return here
        try:
            found = self.link.find_sale(sale_id)
        except SaleNotFound:
            return here
        except LinkDown as exc:
            self.mode.failed(exc)
            return here
        return _merged(found, local)

    def _from_server(self, sale_id: str, local: list[dict[str, Any]]) -> dict[str, Any]:
        try:
            found = self.link.find_sale(sale_id)
        except LinkDown:
            raise SaleNotFound(sale_id, "not made at this till, and the server cannot be reached to find it") from None
        return {"body": found["body"], "line_points": found["outcome"].get("line_points", {}),
                **_merged(found, local)}

    def return_lines(self, sale_id: str, returning: Mapping[str, int],
                     approval: dict[str, str] | None = None) -> dict[str, Any]:
        """Return some units of some lines; the refund goes back as cash and points.

        Where cashiers sign in, a refund above the till's limit needs a manager's PIN (``approval``).
        """
        return self._undo(sale_id, "return", dict(returning), approval)

    def void(self, sale_id: str, approval: dict[str, str] | None = None) -> dict[str, Any]:
        """Undo everything of a sale not yet returned (with a manager's PIN where cashiers sign in)."""
        return self._undo(sale_id, "void", None, approval)

    def _undo(self, sale_id: str, kind: str, returning: dict[str, int] | None,
              approval: dict[str, str] | None) -> dict[str, Any]:
        if self.cashiers is not None:
            self.cashiers.require()
        # One at a time: two returns of one sale must not both pass the "already returned" check.
        with self._lock:
            return self._undo_now(sale_id, kind, returning, approval)

    def _approver(self, kind: str, sale_id: str, refund_minor: int, approval: dict[str, str] | None) -> str | None:
        if self.cashiers is None:
            return None
        if kind == "void":
            return self.cashiers.approve(approval, "voiding this sale", sale_id, refund_minor)
        if self.cashiers.refund_needs_approval(refund_minor):
            return self.cashiers.approve(approval, "a refund above the till's limit", sale_id, refund_minor)
        return None

    def _undo_now(self, sale_id: str, kind: str, returning: dict[str, int] | None,
                  approval: dict[str, str] | None) -> dict[str, Any]:
        found = self.sale(sale_id)
        if found["voided"]:
            raise ReturnRefused(f"sale {sale_id} was voided")
        before = found["returned"]
        if returning is None:
            returning = {ln["line_id"]: ln["qty"] - before.get(ln["line_id"], 0) for ln in found["body"]["lines"]}
        return_id = new_id()  # the return's own transaction id, as the server will post its entries
        record = self._record(found)
        outcome = self._outcome(record, return_id, returning, before)
        tax_back = _tax_back(found["body"], record, before, outcome)
        approved_by = self._approver(kind, sale_id, outcome.refund_minor, approval)
        body = self._body(found["body"], return_id, kind, returning, outcome, approved_by)
        record = {"body": body, "total_minor": -outcome.refund_minor, "returned": returning,
                  "points_taken_back": outcome.points_taken_back, "points_given_back": outcome.points_given_back}
        refund = refunds.refund_receipt(found, body, returning, outcome, self.ref.store(),
                                        self.ref.program().currency, self._product_name, tax_back,
                                        self.cashiers.cashier_name() if self.cashiers else "")
        text = refunds.receipt_text(refund)
        with self.db.transaction() as conn:
            sales.save_sale(conn, record)
            journal.append(conn, body["id"], ItemType.TRANSACTION.value, body, self.clock())
            sales.save_receipt(conn, body["id"], body["id"], text, refund.refunded_at)
        self.on_journal()
        self.on_complete(refund)
        return {"transaction": body, "refund_minor": outcome.refund_minor,
                "money_refund_minor": outcome.money_refund_minor,
                "points_taken_back": outcome.points_taken_back, "points_given_back": outcome.points_given_back,
                "tax_minor": tax_back, "receipt_id": body["id"], "receipt_text": text}

    def _product_name(self, sku: str) -> str | None:
        product = self.ref.product(sku)
        return product["name"] if product else None

    def _record(self, found: dict) -> SaleRecord:
        body = found["body"]
        points = next((t for t in body["tenders"] if t["kind"] == "points"), None)
        return SaleRecord(body["id"], body.get("card_number") or "-",
                            tuple(SaleLine(ln["line_id"], ln["paid_minor"], ln["qty"], ln.get("category", ""),
                                           ln.get("excluded", False))
                                  for ln in body["lines"]),
                            line_points=found.get("line_points", {}),
                            redeemed_points=points["points"] if points else 0,
                            points_tender_minor=points["amount_minor"] if points else 0,
                            money_tenders=_money_tenders(body, points["amount_minor"] if points else 0),
                            rewards=_rewards(body))

    def _outcome(self, record: SaleRecord, return_id: str, returning: dict[str, int],
                 before: dict[str, int]) -> ReturnOutcome:
        try:
            at = self.clock()
            return reverse_return(record, return_id, at, returning, before, self.ref.program(at).expiry)
        except LoyaltyError as exc:
            raise ReturnRefused(str(exc)) from None

    def _body(self, sale: dict, return_id: str, kind: str, returning: dict[str, int],
              outcome: ReturnOutcome, approved_by: str | None) -> dict[str, Any]:
        lines = tuple(TransactionLine(ln["line_id"], ln.get("sku", ""), returning[ln["line_id"]],
                                      category=ln.get("category", ""), excluded=ln.get("excluded", False))
                      for ln in sale["lines"] if returning.get(ln["line_id"]))
        return TillTransaction(id=return_id, kind=TransactionKind(kind), store=self.till.store,
                               terminal=self.till.terminal, at=self.clock(), card_number=sale.get("card_number"),
                               original_id=sale["id"], lines=() if kind == "void" else lines,
                               tenders=_refund_tenders(outcome), approved_by=approved_by,
                               cashier_id=self.cashiers.cashier_id() if self.cashiers else None).to_dict()


def _rewards(sale: dict[str, Any]) -> tuple[RewardRecord, ...]:
    """The rewards the sale took, each with what it took off each line (its discounts on the lines)."""
    return tuple(RewardRecord(r["reward_id"], r["points"],
                              {ln["line_id"]: d["amount_minor"] for ln in sale["lines"]
                               for d in ln.get("discounts", ()) if d["promotion_id"] == r["reward_id"]})
                 for r in sale.get("rewards", ()))


def _tax_back(sale: dict[str, Any], record: SaleRecord, before: dict[str, int], outcome: ReturnOutcome) -> int | None:
    """The tax the return gives back (``promotions.tax``), from the tax the sale's lines carried;
    None for a sale made before tills sent their tax."""
    taxes = {ln["line_id"]: ln["tax_minor"] for ln in sale["lines"] if ln.get("tax_minor") is not None}
    if len(taxes) != len(sale["lines"]):
        return None
    paid = {ln["line_id"]: ln["paid_minor"] for ln in sale["lines"]}
    return sum(returned_taxes(taxes, paid, refunded_by_line(record, before), outcome.line_refunds).values())


def _money_tenders(sale: dict[str, Any], points_minor: int) -> dict[str, int]:
    """What each money tender paid of the sale; empty (money goes back as cash) if they do not add up."""
    paid: dict[str, int] = {}
    for tender in sale["tenders"]:
        if tender["kind"] != "points":
            paid[tender["kind"]] = paid.get(tender["kind"], 0) + tender["amount_minor"]
    total = sum(line["paid_minor"] for line in sale["lines"])
    return paid if sum(paid.values()) == total - points_minor else {}


def _refund_tenders(outcome: ReturnOutcome) -> tuple[TenderLine, ...]:
    """The money going back, tender by tender (card before cash), or all as cash."""
    back = tuple(TenderLine(TenderKind(kind), amount) for kind, amount in outcome.money_refunds.items() if amount)
    return back or (TenderLine(TenderKind.CASH, outcome.money_refund_minor),)


def _merged(found: dict[str, Any], local: list[dict[str, Any]]) -> dict[str, Any]:
    """The server's returns of a sale plus this till's that the server has not received yet."""
    unsent = [r for r in local if r["body"]["id"] not in set(found.get("undone_by", ()))]
    returned = dict(found["returned"])
    for line_id, qty in _returned(unsent).items():
        returned[line_id] = returned.get(line_id, 0) + qty
    return {"returned": returned, "voided": found["voided"] or any(r["body"]["kind"] == "void" for r in unsent)}


def _returned(earlier: list[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for record in earlier:
        for line_id, qty in record.get("returned", {}).items():
            total[line_id] = total.get(line_id, 0) + qty
    return total
