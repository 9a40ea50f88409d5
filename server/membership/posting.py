"""Posting a till's sale, return or void: idempotent by the till's id, figures recomputed here.

The till's arithmetic is never trusted: the server recomputes the points a sale earns and the
value of the points it redeemed with the same `loyalty` rules; where the till's figures differ,
the server's stand and the difference becomes a reconciliation exception.

Concurrency: a transaction's row is inserted (its id claimed) before anything else is done, so
the same id posted twice at once is applied once and the other request waits for it and gets its
outcome. Returns and voids lock their original sale's row before counting what earlier ones gave
back, so the returns of one sale are applied one after the other, whichever tills send them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.cards import card_is_usable
from loyalty.earning import Bonus, Earning, SaleLine, compute_earning, earn_entries
from loyalty.entries import Entry, EntryKind
from loyalty.exceptions import LoyaltyError
from loyalty.ids import entry_id
from loyalty.redemption import plan_redemption
from loyalty.returns import ReturnOutcome, SaleRecord, reverse_return, void_sale
from loyalty.transactions import TransactionKind
from promotions import PromotionError
from server.db import first_write_wins
from server.exceptions import Conflict, NotFound, OneCardError
from server.membership.holds import CONFIRMED, live_hold
from server.membership.ledger import HELD, KeptLedger, held_points, load_kept, lock_member, post_entries
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_member
from server.models import Card, Hold, Member, PostedTransaction, ReconciliationException
from server.pricing.repricing import Repricing, price_differences, reprice_sale, unknown_items
from server.pricing.usage import record_usage

SALE, RETURN, VOID = TransactionKind.SALE, TransactionKind.RETURN, TransactionKind.VOID


class TransactionRejected(OneCardError):
    """The transaction cannot be applied as posted; ``reason`` is a stable code for the till."""

    status = 422
    slug = "transaction-rejected"
    title = "Transaction rejected"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason


class SaleAlreadyVoided(TransactionRejected):
    """A void of a sale that another void has already undone."""

    status = 409
    slug = "sale-already-voided"
    title = "Sale already voided"

    def __init__(self, sale_id: str, void_id: str) -> None:
        super().__init__("already-voided", f"sale {sale_id} was already voided by {void_id}")


@dataclass(frozen=True)
class PostTransaction:
    """A till's transaction as posted (validated by the API schema)."""

    id: str
    kind: str
    store: str
    terminal: str
    at: datetime
    lines: tuple[dict, ...] = ()
    tenders: tuple[dict, ...] = ()
    card_number: str | None = None
    offline: bool = False
    hold_id: uuid.UUID | None = None
    original_id: str | None = None
    points_earned: int | None = None
    points_redeemed: int | None = None
    raw: dict = field(default_factory=dict)
    completed: bool = False  # sent through the till's journal: the customer has already left
    feed_cursor: int | None = None  # the till's change-feed cursor when it priced the sale

    @property
    def settled(self) -> bool:
        """The sale has happened at the till (offline, or already completed there): the server
        accepts it as it stands and flags what its own rules disagree with, instead of refusing."""
        return self.offline or self.completed

    @classmethod
    def from_body(cls, body: dict, raw: dict) -> PostTransaction:
        """From the validated API body (server/schemas/transactions.py); ``raw`` is what was sent."""
        return cls(id=body["id"], kind=body["kind"], store=body["store"], terminal=body["terminal"],
                   at=body["at"], lines=tuple(body["lines"]), tenders=tuple(body["tenders"]),
                   card_number=body["card_number"], offline=body["offline"], hold_id=body["hold_id"],
                   original_id=body["original_id"], points_earned=body["points_earned"],
                   points_redeemed=body["points_redeemed"], feed_cursor=body["feed_cursor"], raw=raw)

    @property
    def points_tendered(self) -> int:
        return sum(t.get("points", 0) for t in self.tenders if t["kind"] == "points")

    @property
    def points_tender_minor(self) -> int:
        return sum(t["amount_minor"] for t in self.tenders if t["kind"] == "points")


@dataclass
class Posting:
    """What the server made of one transaction, built up as it is applied."""

    command: PostTransaction
    now: datetime
    exceptions: list[tuple[str, int | None, int | None, str]] = field(default_factory=list)
    outcome: dict[str, Any] = field(default_factory=dict)

    def flag(self, kind: str, till: int | None, server: int | None, detail: str) -> None:
        self.exceptions.append((kind, till, server, detail))


def body_hash(raw: dict) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def post_transaction(session: Session, command: PostTransaction, program: LoyaltyProgram,
                     now: datetime) -> tuple[dict, bool]:
    """Apply a transaction once. Returns (outcome, replayed): a retry gets the first outcome, also
    when it arrives while the first attempt is still being applied (it waits for that one)."""
    digest = body_hash(command.raw)
    row, claimed = session.get(PostedTransaction, command.id), False
    if row is None:
        row, claimed = first_write_wins(session, lambda: _claim(session, command, digest, now),
                                        lambda: session.get(PostedTransaction, command.id))
    if not claimed:
        if row.body_hash != digest:
            raise Conflict(f"transaction {command.id} was posted before with a different body")
        return row.outcome, True
    posting = Posting(command, now)
    handler = {SALE: _apply_sale, RETURN: _apply_return, VOID: _apply_return}[command.kind]
    handler(session, posting, program, row)
    row.outcome = {"transaction_id": command.id, "status": "applied", **posting.outcome,
                   "exceptions": [kind for kind, *_ in posting.exceptions]}
    session.flush()
    for kind, till, server, detail in posting.exceptions:
        session.add(ReconciliationException(transaction_id=command.id, kind=kind, till_value=till,
                                            server_value=server, detail=detail,
                                            store_code=command.store, created_at=now))
    return row.outcome, False


def _claim(session: Session, command: PostTransaction, digest: str, now: datetime) -> PostedTransaction:
    """The transaction's row, inserted first under the till's id; the handler fills in its figures."""
    row = PostedTransaction(id=command.id, kind=command.kind, store_code=command.store,
                            terminal_code=command.terminal, at=command.at, offline=command.offline,
                            card_number=command.card_number, original_id=command.original_id, total_minor=0,
                            body=command.raw, body_hash=digest, outcome={}, received_at=now)
    session.add(row)
    session.flush()
    return row


def _sale_lines(command: PostTransaction, program: LoyaltyProgram) -> list[SaleLine]:
    return [SaleLine(line_id=ln["line_id"], paid_minor=ln["paid_minor"], qty=ln["qty"],
                     category=ln.get("category", ""),
                     excluded=ln.get("excluded", False))
            for ln in command.lines]


def _resolve_card(session: Session, posting: Posting) -> Card | None:
    """The card's member, or None (unknown card: the sale stands, no points; flagged)."""
    number = posting.command.card_number
    if not number:
        return None
    card = session.get(Card, number)
    if card is None:
        posting.flag("unknown-card", None, None, f"card {number} is not known to the server")
        return None
    if not card_is_usable(card.state):
        if not posting.command.settled:
            raise TransactionRejected("card-not-usable", f"card {number} is {card.state}")
        posting.flag("card-not-active", None, None,
                      f"offline sale on card {number}, which is {card.state} on the server")
    return card


def _apply_sale(session: Session, posting: Posting, program: LoyaltyProgram, row: PostedTransaction) -> None:
    command = posting.command
    lines = _sale_lines(command, program)
    total = sum(line.paid_minor for line in lines)
    tendered = sum(t["amount_minor"] for t in command.tenders)
    if tendered != total:
        raise TransactionRejected("tenders-do-not-match",
                                  f"tenders add up to {tendered}, the lines to {total}")
    card = _resolve_card(session, posting)
    row.total_minor = total
    if card is None:
        _refuse_points_without_member(command)
        _server_pricing(session, posting, None, program)  # an anonymous offline sale is checked too
        posting.outcome.update(points_earned=0, points_redeemed=0, line_points={})
        record_usage(session, posting, None)
        return
    member = lock_member(session, card.member_id)
    # Only now that the member is locked: the row's foreign key takes a share lock on the member,
    # and two sales of one member holding it would each wait for the other's lock_member.
    row.member_id = card.member_id
    ledger = load_kept(session, card.member_id)
    redeem = _redemption_entries(session, posting, program, ledger, total)
    earning = _earning(posting, program, member, card, lines)
    bonuses = _server_pricing(session, posting, card, program)
    entries = [*redeem, *earn_entries(command.id, str(card.member_id), command.at, earning, bonuses,
                                      program.expiry)]
    debt_before = ledger.state.debt
    ledger = post_entries(session, ledger, entries, posting.now, allow_debt=command.settled)
    # Only a redemption that made the debt grow is an overspend; a later sale of a member in debt
    # (which repays it) is not.
    if command.points_tendered and ledger.state.debt > debt_before:
        posting.flag("overspend", None, ledger.state.balance,
                     f"offline redemption left the balance at {ledger.state.balance} points")
    bonus_points = sum(bonus.points for bonus in bonuses)
    row.points_earned, row.points_redeemed = earning.points + bonus_points, command.points_tendered
    # Discounts kept per line; coupons and limits counted; the promotions used (bonuses too) logged.
    record_usage(session, posting, card.member_id, [bonus.promotion_id for bonus in bonuses])
    # After record_usage: the snapshot logs this sale's uses, and the sale's store as a visit.
    publish_member(session, card.member_id, program, posting.now, ledger.state, visit=(command.store, command.at))
    posting.outcome.update(points_earned=earning.points + bonus_points, bonus_points=bonus_points,
                           points_redeemed=command.points_tendered, line_points=dict(earning.line_points),
                           balance=ledger.state.balance, points_tender_minor=command.points_tender_minor)


def _refuse_points_without_member(command: PostTransaction) -> None:
    if command.points_tendered and not command.settled:
        raise TransactionRejected("points-without-member", "points can only be redeemed with a known card")


def _earning(posting: Posting, program: LoyaltyProgram, member: Member, card: Card,
             lines: list[SaleLine]) -> Earning:
    """Points by the server's rules and the member's tier; a blocked or lost card earns none."""
    command = posting.command
    if not card_is_usable(card.state):
        return Earning(points=0, line_points={ln.line_id: 0 for ln in lines}, eligible_minor=0)
    earning = compute_earning(lines, program.earning, tier=member.tier,
                              points_tender_minor=command.points_tender_minor)
    if command.points_earned is not None and command.points_earned != earning.points:
        posting.flag("points-earned-differs", command.points_earned, earning.points,
                     f"the till said {command.points_earned} points, the rules give {earning.points}")
    return earning


def _server_pricing(session: Session, posting: Posting, card: Card | None, program: LoyaltyProgram) -> list[Bonus]:
    """Price the sale as the server would: its bonus points, and for an offline sale any line the
    till charged differently or could not be priced here (recorded, never charged again: the
    customer has paid). An offline sale is priced with the promotions its till had at its cursor."""
    command = posting.command
    usable = card is not None and card_is_usable(card.state)
    try:
        repricing = reprice_sale(session, command.store, command.at, card.number if usable else None,
                                 command.lines, tuple(command.raw.get("coupons", ())), program,
                                 feed_cursor=command.feed_cursor if command.offline else None)
    except (OneCardError, LoyaltyError, PromotionError):
        return []  # a store or card the server cannot price for: points stand, nothing to compare
    if command.offline:
        _check_till_prices(posting, repricing, card is None or usable)
    return repricing.bonuses if usable else []


def _check_till_prices(posting: Posting, repricing: Repricing, card_usable: bool) -> None:
    lines = posting.command.lines
    if repricing.unknown:
        posting.flag("unknown-items", sum(u.line["paid_minor"] for u in repricing.unknown), None,
                     unknown_items(repricing)[:1000])
    differences = price_differences(repricing, lines) if card_usable and repricing.comparable else []
    if differences:
        priced = {line.line_id for line in repricing.priced.lines}
        till_total = sum(line["paid_minor"] for line in lines if line["line_id"] in priced)
        posting.flag("price-differs", till_total, repricing.priced.total, "; ".join(differences)[:1000])


def _redemption_entries(session: Session, posting: Posting, program: LoyaltyProgram, ledger: KeptLedger,
                        total: int) -> list[Entry]:
    """The redeem entry for the points tendered, checked online, accepted (and flagged) offline."""
    command = posting.command
    points, member_id = command.points_tendered, ledger.account_id
    if not points:
        return []
    value = _points_value(posting, program, points)
    if command.settled:
        _confirm_hold_if_any(session, posting, uuid.UUID(member_id), points)
        _check_offline_rules(posting, program, points, total)
    else:
        _check_online(session, posting, program, points, total, ledger)
    entry = Entry(id=entry_id(command.id, "redeem"), account_id=member_id, kind=EntryKind.REDEEM,
                  points=-points, at=command.at, source_id=command.id, offline=command.offline)
    if value is not None and value != command.points_tender_minor:
        posting.flag("points-value-differs", command.points_tender_minor, value,
                     f"{points} points are worth {value}, the till counted {command.points_tender_minor}")
    return [entry]


def _points_value(posting: Posting, program: LoyaltyProgram, points: int) -> int | None:
    try:
        return program.redemption.value.value_minor(points)
    except LoyaltyError as exc:
        if not posting.command.settled:
            raise TransactionRejected("points-not-whole-steps", str(exc)) from None
        posting.flag("points-not-whole-steps", points, None, str(exc))
        return None


def _confirm_hold_if_any(session: Session, posting: Posting, member_id: uuid.UUID, points: int) -> None:
    """A completed sale confirms its hold; a hold that lapsed meanwhile is flagged, not fatal."""
    command = posting.command
    if command.hold_id is None:
        return
    hold = session.get(Hold, command.hold_id)
    usable = (hold is not None and hold.status == HELD and hold.expires_at > posting.now
              and hold.member_id == member_id and hold.points == points)
    if usable:
        hold.status, hold.transaction_id = CONFIRMED, command.id
    else:
        posting.flag("hold-not-usable", points, hold.points if hold else None,
                     f"the sale's hold {command.hold_id} was {hold.status if hold else 'unknown'} on arrival")


def _check_online(session: Session, posting: Posting, program: LoyaltyProgram, points: int,
                  total: int, ledger: KeptLedger) -> None:
    command = posting.command
    member_id = uuid.UUID(ledger.account_id)
    excluding = None
    if command.hold_id is not None:
        hold = live_hold(session, command.hold_id, posting.now)
        if hold.member_id != member_id or hold.points != points:
            raise TransactionRejected("hold-mismatch", "the hold is for another member or amount")
        hold.status, hold.transaction_id, excluding = CONFIRMED, command.id, hold.id
    available = ledger.state.available(command.at) - held_points(session, member_id, posting.now,
                                                                 excluding=excluding)
    try:
        plan_redemption(points, max(available, 0), total, program.redemption)
    except LoyaltyError as exc:
        raise TransactionRejected("redemption-refused", str(exc)) from None


def _check_offline_rules(posting: Posting, program: LoyaltyProgram, points: int, total: int) -> None:
    try:
        plan_redemption(points, points, total, program.redemption)
    except LoyaltyError as exc:
        posting.flag("offline-redemption-rule", points, None, f"offline redemption broke a rule: {exc}")


def _sale_record(original: PostedTransaction) -> SaleRecord:
    lines = tuple(SaleLine(line_id=ln["line_id"], paid_minor=ln["paid_minor"], qty=ln["qty"],
                           category=ln.get("category", ""), excluded=ln.get("excluded", False))
                  for ln in original.body["lines"])
    return SaleRecord(transaction_id=original.id, account_id=str(original.member_id), lines=lines,
                      line_points=original.outcome.get("line_points", {}),
                      bonus_points=original.outcome.get("bonus_points", 0),
                      redeemed_points=original.points_redeemed,
                      points_tender_minor=original.outcome.get("points_tender_minor", 0))


def sale_with_returns(session: Session, sale_id: str) -> dict:
    """A posted sale and what has been returned of it: a till taking a return for another till's sale."""
    sale = session.get(PostedTransaction, sale_id)
    if sale is None or sale.kind != SALE:
        raise NotFound(f"no sale {sale_id}")
    undoing = _undoing(session, sale_id)
    return {"body": sale.body, "outcome": sale.outcome, "returned": _returned(undoing),
            "voided": any(row.kind == VOID for row in undoing), "undone_by": [row.id for row in undoing]}


def _undoing(session: Session, sale_id: str, excluding: str | None = None) -> list[PostedTransaction]:
    """The returns and voids of a sale (but ``excluding``, the one being applied)."""
    query = select(PostedTransaction).where(PostedTransaction.original_id == sale_id)
    if excluding is not None:
        query = query.where(PostedTransaction.id != excluding)
    return list(session.scalars(query))


def _returned(undoing: list[PostedTransaction]) -> dict[str, int]:
    returned: dict[str, int] = {}
    for row in undoing:
        for line_id, qty in row.outcome.get("returned", {}).items():
            returned[line_id] = returned.get(line_id, 0) + qty
    return returned


def _lock_original(session: Session, command: PostTransaction) -> PostedTransaction:
    """The sale being returned or voided, locked until this transaction ends: the returns of one
    sale (member or anonymous) then count what the earlier ones gave back one after the other.
    (SQLite transactions already start with the write lock, see server.db.)"""
    original = session.scalar(select(PostedTransaction).where(
        PostedTransaction.id == (command.original_id or "")).with_for_update())
    if original is None or original.kind != SALE:
        raise TransactionRejected("original-unknown",
                                  f"no sale {command.original_id} is known yet; retry later")
    return original


def _apply_return(session: Session, posting: Posting, program: LoyaltyProgram, row: PostedTransaction) -> None:
    command = posting.command
    original = _lock_original(session, command)
    # Read after the lock: on PostgreSQL each statement sees what was committed before it started.
    undoing = _undoing(session, original.id, excluding=command.id)
    voids = [earlier.id for earlier in undoing if earlier.kind == VOID]
    if command.kind == VOID and voids:
        raise SaleAlreadyVoided(original.id, voids[0])
    sale = _sale_record(original)
    before = _returned(undoing)
    if command.kind == VOID:
        outcome = void_sale(sale, command.id, command.at, program.expiry, before)
        returned = {ln.line_id: ln.qty - before.get(ln.line_id, 0) for ln in sale.lines}
    else:
        returned = {ln["line_id"]: ln["qty"] for ln in command.lines}
        outcome = _reverse(sale, command, returned, before, program)
    row.total_minor = -outcome.refund_minor
    if original.member_id is not None and outcome.entries:
        lock_member(session, original.member_id)
        ledger = load_kept(session, original.member_id)
        ledger = post_entries(session, ledger, outcome.entries, posting.now, allow_debt=True)
        publish_member(session, original.member_id, program, posting.now, ledger.state,
                       visit=(command.store, command.at))
    row.member_id = original.member_id  # after lock_member, as for a sale (see _apply_sale)
    row.points_earned, row.points_redeemed = -outcome.points_taken_back, -outcome.points_given_back
    posting.outcome.update(returned={k: v for k, v in returned.items() if v},
                           points_taken_back=outcome.points_taken_back,
                           points_given_back=outcome.points_given_back,
                           refund_minor=outcome.refund_minor,
                           money_refund_minor=outcome.money_refund_minor)


def _reverse(sale: SaleRecord, command: PostTransaction, returned: dict[str, int],
             before: dict[str, int], program: LoyaltyProgram) -> ReturnOutcome:
    try:
        return reverse_return(sale, command.id, command.at, returned, before, program.expiry)
    except LoyaltyError as exc:
        raise TransactionRejected("return-exceeds-sale", str(exc)) from None
