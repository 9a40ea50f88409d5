"""Posting a till's sale, return or void: idempotent by the till's id, figures computed here.

The till's figures are never what counts. What a sale earns is computed from the server's own
catalogue, promotion versions and programme (``sale_figures``); what its points tender redeemed
and was worth, from the server's redemption rules and the hold or offline allowance behind it
(``redemption_checks``). Where the till's figures differ, the server's stand and the difference
becomes a reconciliation exception naming the terminal. A settled sale (from the till's journal,
or marked offline: the customer has left) is never refused for a figure; a sale posted directly
online is refused (422/409) when it breaks a rule the till could still fix at the lane.

A sale from a suspended terminal (``server.terminals``) earns as any other and redeems nothing;
it is recorded as a ``terminal-suspended`` exception for the review.

Sale times: a sale more than ``program.future_sale_tolerance`` ahead of the server's clock is
refused online and, settled, is accepted at the server's time (its points earn and expire from
now) and flagged; a sale older than the offline window is accepted and flagged.

Concurrency: a transaction's row is inserted (its id claimed) before anything else is done, so
the same id posted twice at once is applied once and the other request waits for it and gets its
outcome. Returns and voids lock their original sale's row before counting what earlier ones gave
back, so the returns of one sale are applied one after the other, whichever tills send them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache, cached_property
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty.cards import card_is_usable
from loyalty.earning import Earning, SaleLine, compute_earning, earn_entries
from loyalty.entries import Entry, EntryKind
from loyalty.exceptions import LoyaltyError
from loyalty.ids import entry_id
from loyalty.programme import STORE_ZONE
from loyalty.returns import ReturnOutcome, RewardRecord, SaleRecord, refunded_by_line, reverse_return, void_sale
from promotions import PromotionError, RewardClaim
from promotions.tax import returned_taxes
from server.db import first_write_wins
from server.exceptions import Conflict, NotFound, OneCardError
from server.ids import new_id
from server.membership import batch_work
from server.membership.clipped import as_columns, read_once_within, remember
from server.membership.exceptions import ExceptionKind, TransactionRejected
from server.membership.ledger import KeptLedger, kept_and_held, load_kept, lock_member, post_entries
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_member
from server.membership.redemption_checks import Redeemed, credited_redemption
from server.membership.reward_checks import RewardsCredited, credited_rewards
from server.membership.sale_figures import SaleFigures, sale_figures
from server.membership.tier_crossing import record_crossing, tier_for_sale
from server.models import Card, Member, PostedTransaction, ReconciliationException, Store, Terminal
from server.pricing.quotes import store_read
from server.pricing.repricing import (
    Repricing,
    price_differences,
    reprice_sale,
    tax_differences,
    tax_figures,
    unknown_items,
)
from server.pricing.usage import record_usage
from store_sync.transactions import TillTransaction, TransactionKind

SALE, RETURN, VOID = TransactionKind.SALE, TransactionKind.RETURN, TransactionKind.VOID

__all__ = ["ClaimTaken", "PostTransaction", "SaleAlreadyVoided", "TransactionRejected", "claim_all",
           "post_transaction", "sale_with_returns"]


class SaleAlreadyVoided(TransactionRejected):
    """A void of a sale that another void has already undone."""

    status = 409
    slug = "sale-already-voided"
    title = "Sale already voided"

    def __init__(self, sale_id: str, void_id: str) -> None:
        super().__init__("already-voided", f"sale {sale_id} was already voided by {void_id}")


@dataclass(frozen=True)
class PostTransaction:
    """A till's transaction as posted: the typed message, and the body exactly as it was sent."""

    message: TillTransaction
    raw: dict = field(default_factory=dict)
    completed: bool = False  # sent through the till's journal: the customer has already left

    @classmethod
    def from_body(cls, raw: dict) -> PostTransaction:
        """From a body the API schema (server/schemas/transactions.py) has validated."""
        return cls(TillTransaction.from_dict(raw), raw)

    @property
    def settled(self) -> bool:
        """The sale has happened at the till (offline, or already completed there): the server
        accepts it as it stands and flags what its own rules disagree with, instead of refusing."""
        return self.offline or self.completed

    def at_server_time(self, now: datetime) -> PostTransaction:
        return replace(self, message=replace(self.message, at=now))

    # The message's fields, as the posting code and its helpers read them.
    id = property(lambda self: self.message.id)
    kind = property(lambda self: self.message.kind)
    store = property(lambda self: self.message.store)
    terminal = property(lambda self: self.message.terminal)
    at = property(lambda self: self.message.at)
    offline = property(lambda self: self.message.offline)
    card_number = property(lambda self: self.message.card_number)
    original_id = property(lambda self: self.message.original_id)
    points_earned = property(lambda self: self.message.points_earned)
    feed_cursor = property(lambda self: self.message.feed_cursor)
    programme_version = property(lambda self: self.message.programme_version)
    coupons = property(lambda self: self.message.coupons)
    points_tendered = property(lambda self: self.message.points_tendered)
    points_tender_minor = property(lambda self: self.message.points_tender_minor)

    @property
    def hold_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.message.hold_id) if self.message.hold_id else None

    @property
    def coupon_hold_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.message.coupon_hold_id) if self.message.coupon_hold_id else None

    @cached_property
    def digest(self) -> str:
        """``body_hash`` of the body as sent (a journal batch claims with it, then applies with it)."""
        return body_hash(self.raw)

    @cached_property
    def lines(self) -> tuple[dict, ...]:
        """The lines in their wire form, for the pricing and usage code that reads them so (built
        once per command: re-pricing, the price check and usage recording each read them)."""
        return tuple(line.to_dict() for line in self.message.lines)


@dataclass
class Posting:
    """What the server made of one transaction, built up as it is applied."""

    command: PostTransaction
    now: datetime
    exceptions: list[tuple[str, int | None, int | None, str]] = field(default_factory=list)
    outcome: dict[str, Any] = field(default_factory=dict)

    def flag(self, kind: ExceptionKind, till: int | None, server: int | None, detail: str) -> None:
        self.exceptions.append((kind, till, server, detail))


def body_hash(raw: dict) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def post_transaction(session: Session, command: PostTransaction, program: LoyaltyProgram,
                     now: datetime) -> tuple[dict, bool]:
    """Apply a transaction once. Returns (outcome, replayed): a retry gets the first outcome, also
    when it arrives while the first attempt is still being applied (it waits for that one)."""
    digest = command.digest
    work = batch_work.pending(session)
    row = work.claimed.pop(command.id, None) if work is not None else None  # claimed with the batch (claim_all)
    claimed = row is not None
    if row is None and work is None:  # online: one statement claims the id or finds it taken
        row, claimed = _claim_online(session, command, digest, now)
    if row is None:
        row = _posted(session, command.id)
    if row is None:
        row, claimed = _claim_first(session, command, digest, now)
    if not claimed:
        if row.body_hash != digest:
            raise Conflict(f"transaction {command.id} was posted before with a different body")
        return row.outcome, True
    posting = Posting(command, now)
    _check_time(posting, program, row)
    program = _programme_for(session, posting, program)
    handler = {SALE: _apply_sale, RETURN: _apply_return, VOID: _apply_return}[command.kind]
    with _online_reads(session) if work is None else nullcontext():  # a journal batch reads them once itself
        handler(session, posting, program, row)
        _keep_exceptions(session, posting)
    row.outcome = {"transaction_id": command.id, "status": "applied", **posting.outcome,
                   "programme_version": program.version.number,
                   "exceptions": [kind for kind, *_ in posting.exceptions]}
    if work is None:  # a journal batch flushes its items' rows together (server.membership.journal)
        session.flush()
    return row.outcome, False


def _keep_exceptions(session: Session, posting: Posting) -> None:
    """The sale's reconciliation exceptions: online inserted with its other rows at its end, in a
    journal batch at the batch's end."""
    command = posting.command
    rows = [{"id": new_id(), "transaction_id": command.id, "kind": kind, "till_value": till, "server_value": server,
             "detail": detail, "store_code": command.store, "created_at": posting.now}
            for kind, till, server, detail in posting.exceptions]
    writes = batch_work.pending(session)
    if writes is not None:
        for values in rows:
            writes.add(ReconciliationException, values)
    elif rows and not batch_work.insert_later(session, ReconciliationException, rows):
        session.add_all(ReconciliationException(**values) for values in rows)


@contextmanager
def _online_reads(session: Session) -> Iterator[None]:
    """An online sale reads what it does not change once (segments, the store, the live promotions'
    versions...), as a journal batch does for all of its items, and inserts its ledger entries,
    discounts, promotion uses and reconciliation exceptions together at its end (``batch_work.one_sale``)."""
    with read_once_within(session), batch_work.one_sale(session):
        yield


def _publish(session: Session, member_id, program: LoyaltyProgram, now: datetime, state,
             visit: tuple[str, datetime], held: int | None = None) -> None:
    """The member's snapshot now (``held``: their live holds' points, if read), or once at the end
    of the journal batch being applied."""
    writes = batch_work.pending(session)
    if writes is None:
        publish_member(session, member_id, program, now, state, visit=visit, held=held)
    else:
        writes.snapshot_due(member_id, program, visit)


class ClaimTaken(Exception):
    """In a journal batch: the transaction's id was claimed by a twin that committed first. The
    item's savepoint undoes the attempt; the batch applies the item again, which then reads the twin."""

    def __init__(self, transaction_id: str) -> None:
        super().__init__(f"transaction {transaction_id} was claimed by another request first")
        self.transaction_id = transaction_id


def _posted(session: Session, transaction_id: str) -> PostedTransaction | None:
    """The transaction's row if posted before; in a journal batch, the rows the batch found at its
    start or claimed since are already in the session, so an id among neither costs no look-up
    (a twin committed meanwhile by another batch is met by the claim's unique key: ``ClaimTaken``,
    and the id is then looked up when the item is applied again)."""
    work = batch_work.pending(session)
    if work is None or transaction_id in work.held or transaction_id in work.taken:
        return session.get(PostedTransaction, transaction_id)
    return session.identity_map.get(session.identity_key(PostedTransaction, transaction_id))


def _claim_online(session: Session, command: PostTransaction, digest: str,
                  now: datetime) -> tuple[PostedTransaction, bool]:
    """(the transaction's row, True) once claimed; (the row posted before, False) for a retry.

    One INSERT that does nothing when the id is taken, as ``claim_all``'s, in place of a look-up,
    a savepoint, the insert and the savepoint's release: four round trips for a new sale. On
    PostgreSQL an insert that meets a twin still being applied waits for it to commit, then does
    nothing, and the twin's row is read; on SQLite the transaction already holds the write lock.
    A key violation other than the id's is raised as it is.
    """
    session.flush()  # the caller's own pending rows are written (or fail) before the claim
    claim = _claim_statement(session.get_bind().dialect.name == "postgresql")
    row = session.scalars(claim, [_claimed_columns(command, digest, now)]).first()
    if row is not None:
        return row, True
    first = session.get(PostedTransaction, command.id)
    if first is None:  # the id was taken but its row is gone (deleted meanwhile): nothing to answer with
        raise Conflict(f"transaction {command.id} was claimed by another request that left no row")
    return first, False


def _claim_first(session: Session, command: PostTransaction, digest: str,
                 now: datetime) -> tuple[PostedTransaction, bool]:
    """(the transaction's row, True) once claimed; (the twin's row, False) if one was committed first.
    In a journal batch the claim is the item's first write, so the item's own savepoint can undo
    it: no savepoint of its own (``ClaimTaken``)."""
    if batch_work.pending(session) is None:
        return first_write_wins(session, lambda: _claim(session, command, digest, now),
                                lambda: session.get(PostedTransaction, command.id))
    session.flush()  # nothing of the item is pending yet; a failure here is not the claim's
    try:
        return _claim(session, command, digest, now), True
    except IntegrityError:
        raise ClaimTaken(command.id) from None


def _claim(session: Session, command: PostTransaction, digest: str, now: datetime) -> PostedTransaction:
    """The transaction's row, inserted first under the till's id; the handler fills in its figures."""
    row = PostedTransaction(**_claimed_columns(command, digest, now))
    session.add(row)
    session.flush()
    return row


def _claimed_columns(command: PostTransaction, digest: str, now: datetime) -> dict[str, Any]:
    return {"id": command.id, "kind": command.kind.value, "store_code": command.store,
            "terminal_code": command.terminal, "at": command.at, "offline": command.offline,
            "card_number": command.card_number, "original_id": command.original_id,
            "total_minor": _sale_total(command) if command.kind == SALE else 0,
            "cashier_id": command.message.cashier_id, "body": command.raw, "body_hash": digest, "outcome": {},
            "received_at": now}


def claim_all(session: Session, commands: list[PostTransaction], now: datetime
              ) -> tuple[dict[str, PostedTransaction], list[PostedTransaction]]:
    """Claim a journal batch's transactions before its first item, as ``_claim`` claims one: one
    INSERT that leaves out the ids already posted (a twin still being applied is waited for, as by
    a claim of one) and returns the rows it inserted; the rows of ids found posted are read after it
    (no statement when there are none). The first of an id's items is claimed, in id
    order. Returns the rows claimed, by id (``post_transaction`` then applies each item to its row),
    and those found posted (committed by a twin since the batch began, say: its items are duplicates)."""
    first = {command.id: command for command in reversed(commands)}
    values = [_claimed_columns(command, command.digest, now) for _, command in sorted(first.items())]
    if not values:
        return {}, []
    claim = _claim_statement(session.get_bind().dialect.name == "postgresql")
    claimed = {row.id: row for row in session.scalars(claim, values)}  # the rows inserted, as inserted
    taken = [transaction_id for transaction_id in first if transaction_id not in claimed]
    posted = session.scalars(select(PostedTransaction).where(PostedTransaction.id.in_(taken))).all() if taken else []
    return claimed, list(posted)


@cache
def _claim_statement(on_postgresql: bool):
    """INSERT ... ON CONFLICT (id) DO NOTHING RETURNING the row, for the rows given as parameters;
    built once (see ``_card_and_member_statement``). ``render_nulls``: the ORM's bulk INSERT leaves
    a None out of a row, and rows leaving out different columns go in separate statements, so a
    batch mixing sales with and without a card took a round trip for each run of alike rows
    (~20 for 40 sales); every row names every column, so all go in one."""
    dialect = postgresql if on_postgresql else sqlite
    return (dialect.insert(PostedTransaction).on_conflict_do_nothing(index_elements=[PostedTransaction.__table__.c.id])
            .returning(PostedTransaction).execution_options(render_nulls=True))


def _sale_total(command: PostTransaction) -> int:
    return sum(line.paid_minor for line in command.message.lines)


def _check_time(posting: Posting, program: LoyaltyProgram, row: PostedTransaction) -> None:
    """A sale from the future is refused online and moved to the server's time when settled;
    one older than the offline window is flagged (see the module docstring)."""
    command, now = posting.command, posting.now
    terminal = f"{command.store}/{command.terminal}"
    if command.at > now + program.future_sale_tolerance:
        if not command.settled:
            raise TransactionRejected("sale-in-the-future", f"the sale's time {command.at.isoformat()} is "
                                      f"ahead of the server's clock ({now.isoformat()}); check the till's clock")
        posting.flag(ExceptionKind.SALE_TIME_IN_FUTURE, None, None,
                     f"terminal {terminal} dated the sale {command.at.isoformat()}, after the server's "
                     f"{now.isoformat()}: applied at the server's time")
        posting.command = command.at_server_time(now)
        row.at = now
    elif command.at < now - program.offline_window:
        posting.flag(ExceptionKind.SALE_TIME_OLD, None, None,
                     f"terminal {terminal} dated the sale {command.at.isoformat()}, more than "
                     f"{program.offline_window} before it arrived ({now.isoformat()})")


def _programme_for(session: Session, posting: Posting, program: LoyaltyProgram) -> LoyaltyProgram:
    """The version a settled sale's till had (it names it), else the one in force at the sale's time;
    expiry counted in the sale's store's time zone when the programme says so."""
    command = posting.command
    had = program.numbered(command.programme_version) if command.settled else None
    if command.settled and command.programme_version is not None and had is None:
        posting.flag(ExceptionKind.UNKNOWN_PROGRAMME_VERSION, command.programme_version, None,
                     f"terminal {command.store}/{command.terminal} priced with programme version "
                     f"{command.programme_version}, which the server does not have: checked with the one in force")
    program = had or program.at(command.at)
    if program.programme.expiry.time_zone != STORE_ZONE:
        return program
    zone = session.scalar(select(Store.timezone).where(Store.code == command.store)) or "UTC"
    return replace(program, store_zone=zone)


def _card_and_member(session: Session, posting: Posting) -> tuple[Card | None, Member | None]:
    """The sale's card (``_resolve_card``) and its member, locked (``lock_member``). Online, one
    statement reads both and takes the lock (a journal batch has locked its members already)."""
    number = posting.command.card_number
    if number and batch_work.pending(session) is None:
        # On PostgreSQL the member's segments and clipped offers come with them: the pricing and
        # the snapshot need them, and no sale changes them (so they need not be read after the lock).
        postgresql = session.get_bind().dialect.name == "postgresql"
        found = session.execute(_card_and_member_statement(postgresql), {"number": number}).first()
        if found is not None and postgresql:
            remember(session, found[1].id, found.segments, found.clipped)
        card = _resolve_card(posting, found[0] if found else None)
        return card, (found[1] if card is not None else None)
    card = _resolve_card(posting, session.get(Card, number) if number else None)
    return card, (lock_member(session, card.member_id) if card is not None else None)


@cache
def _card_and_member_statement(postgresql: bool):
    """Built once: a statement built anew for each sale costs its construction and its cache key
    again (SQLAlchemy keeps the compiled form, not the statement object, whose key is memoized)."""
    extra = as_columns(Member.id) if postgresql else ()
    return (select(Card, Member, *extra).join(Member, Member.id == Card.member_id)
            .where(Card.number == bindparam("number")).with_for_update(of=Member))


def _resolve_card(posting: Posting, card: Card | None) -> Card | None:
    """The card as found, or None (no card; an unknown card: the sale stands, no points; flagged)."""
    number = posting.command.card_number
    if not number:
        return None
    if card is None:
        posting.flag(ExceptionKind.UNKNOWN_CARD, None, None, f"card {number} is not known to the server")
        return None
    if not card_is_usable(card.state):
        if not posting.command.settled:
            raise TransactionRejected("card-not-usable", f"card {number} is {card.state}")
        posting.flag(ExceptionKind.CARD_NOT_ACTIVE, None, None,
                      f"offline sale on card {number}, which is {card.state} on the server")
    return card


def _apply_sale(session: Session, posting: Posting, program: LoyaltyProgram, row: PostedTransaction) -> None:
    command = posting.command
    _check_tenders(posting, row.total_minor)  # the claim wrote the sale's total (_sale_total)
    _check_combination(posting, program)
    # The member is locked before the sale is re-priced (which takes no lock of its own), so the
    # pricing finds the row in the session instead of reading it a second time, and prices with
    # the tier and uses as they stand under the lock.
    card, member = _card_and_member(session, posting)
    suspended = _check_suspension(session, posting)
    figures = _server_figures(session, posting, card, program)
    if card is None:
        _refuse_points_without_member(command)
        if command.message.rewards:  # settled: no member to take the points from
            posting.flag(ExceptionKind.REWARD_NOT_CREDITED, command.message.reward_points, 0,
                         f"terminal {command.store}/{command.terminal} gave rewards without a member the server knows")
        posting.outcome.update(points_earned=0, points_redeemed=0, line_points={})
        record_usage(session, posting, None)
        return
    ledger, held = _kept(session, command, card.member_id, posting.now)
    redeemed = credited_redemption(session, posting, program, ledger, figures.basket_minor, suspended)
    rewards = credited_rewards(session, posting, program, ledger, figures.priced, redeemed)
    earning = _earning(session, posting, program, member, card, figures, redeemed)
    bonuses = list(figures.bonuses) if card_is_usable(card.state) else []
    entries = [*_redeem_entry(command, ledger.account_id, redeemed),
               *_reward_entry(command, ledger.account_id, rewards),
               *earn_entries(command.id, str(card.member_id), command.at, earning, bonuses, program.expiry)]
    debt_before = ledger.debt
    # Online, the sale's id was claimed just now (``_claim_online``): its entries cannot be stored
    # yet. A journal batch knows its stored entries from its own read (``read_sources``).
    fresh = command.id if batch_work.pending(session) is None else None
    ledger = post_entries(session, ledger, entries, posting.now, allow_debt=command.settled, claimed_source=fresh)
    # Only a redemption that made the debt grow is an overspend; a later sale of a member in debt
    # (which repays it) is not.
    if (redeemed.points or rewards.points) and ledger.debt > debt_before:
        posting.flag(ExceptionKind.OVERSPEND, None, ledger.balance,
                     f"offline redemption left the balance at {ledger.balance} points")
    bonus_points = sum(bonus.points for bonus in bonuses)
    # Discounts kept per line; coupons and limits counted; the promotions used (bonuses too) logged.
    record_usage(session, posting, card.member_id, [bonus.promotion_id for bonus in bonuses])
    # After record_usage: the snapshot logs this sale's uses, and the sale's store as a visit.
    _publish(session, card.member_id, program, posting.now, ledger, (command.store, command.at), held)
    posting.outcome.update(points_earned=earning.points + bonus_points, bonus_points=bonus_points,
                           points_redeemed=redeemed.points + rewards.points, line_points=dict(earning.line_points),
                           balance=ledger.balance, points_tender_minor=redeemed.value_minor,
                           reward_points=rewards.points, rewards=list(rewards.rewards))
    # Set last, so that the row's figures and its outcome (post_transaction) are one UPDATE; the
    # member only after lock_member: the row's foreign key takes a share lock on the member, and
    # two sales of one member holding it would each wait for the other's lock_member. The queries
    # above that read a member's transactions exclude this sale or are told of it (the visit).
    # The rewards' points count as redeemed: reports and the offline allowance count them as spent.
    row.member_id = card.member_id
    row.points_earned, row.points_redeemed = earning.points + bonus_points, redeemed.points + rewards.points


def _kept(session: Session, command: PostTransaction, member_id, now: datetime) -> tuple[KeptLedger, int | None]:
    """The member's kept state and, online for a sale without a hold, their live holds' points for
    the snapshot, read with it: such a sale changes no hold, and holds are placed under the member's
    lock, which the sale holds."""
    if batch_work.pending(session) is None and command.hold_id is None:
        return kept_and_held(session, member_id, now)
    return load_kept(session, member_id), None


def _check_suspension(session: Session, posting: Posting) -> bool:
    """Whether the sale's terminal is suspended; if so the sale is flagged for the review."""
    command = posting.command
    work = batch_work.pending(session)  # a batch's items are all its own terminal's (server.membership.journal)
    since = work.suspended_since if work is not None else _suspended_since(session, command.store, command.terminal)
    if since is None:
        return False
    tendered = command.points_tendered
    posting.flag(ExceptionKind.TERMINAL_SUSPENDED, tendered or None, 0 if tendered else None,
                 f"terminal {command.store}/{command.terminal} is suspended (since {since.isoformat()}): "
                 + (f"none of the {tendered} points tendered are credited" if tendered else "sale accepted"))
    return True


_SUSPENDED_SINCE = (select(Terminal.suspended_at, Store).join(Store, Store.id == Terminal.store_id)
                    .where(Store.code == bindparam("store"), Terminal.code == bindparam("terminal")))


def _suspended_since(session: Session, store: str, terminal: str) -> datetime | None:
    """``server.terminals.suspended_since``, and the store read with it: the pricing asks for it next
    (``server.pricing.quotes.find_store``), and is answered without a statement of its own."""
    found = session.execute(_SUSPENDED_SINCE, {"store": store, "terminal": terminal}).first()
    if found is None:
        return None
    batch_work.keep_read(session, store_read(store), found.Store)
    return found.suspended_at


def _check_tenders(posting: Posting, total: int) -> None:
    tendered = sum(t.amount_minor for t in posting.command.message.tenders)
    if tendered == total:
        return
    if not posting.command.settled:
        raise TransactionRejected("tenders-do-not-match", f"tenders add up to {tendered}, the lines to {total}")
    posting.flag(ExceptionKind.TENDERS_DO_NOT_MATCH, tendered, total,
                 f"terminal {posting.command.store}/{posting.command.terminal}: tenders add up to "
                 f"{tendered}, the lines to {total}")


def _check_combination(posting: Posting, program: LoyaltyProgram) -> None:
    """Points pay beside only the tenders the programme lets them combine with."""
    message = posting.command.message
    if not message.points_tendered:
        return
    kinds = sorted({t.kind.value for t in message.tenders})
    if program.programme.tenders_combine(kinds):
        return
    detail = (f"terminal {message.store}/{message.terminal}: points paid beside {', '.join(kinds)}; programme version "
              f"{program.version.number} lets them combine only with "
              f"{', '.join(sorted(program.programme.redemption.combinable_tenders)) or 'nothing'}")
    if not posting.command.settled:
        raise TransactionRejected("tenders-not-combinable", detail)
    posting.flag(ExceptionKind.TENDERS_NOT_COMBINABLE, None, None, detail)


def _redeem_entry(command: PostTransaction, account_id: str, redeemed: Redeemed) -> list[Entry]:
    if not redeemed.points:
        return []
    return [Entry(id=entry_id(command.id, "redeem"), account_id=account_id, kind=EntryKind.REDEEM,
                  points=-redeemed.points, at=command.at, source_id=command.id, offline=command.offline)]


def _reward_entry(command: PostTransaction, account_id: str, rewards: RewardsCredited) -> list[Entry]:
    if not rewards.points:
        return []
    return [Entry(id=entry_id(command.id, "rewards"), account_id=account_id, kind=EntryKind.REDEEM,
                  points=-rewards.points, at=command.at, source_id=command.id, offline=command.offline,
                  reason="rewards " + ", ".join(r["reward_id"] for r in rewards.rewards))]


def _refuse_points_without_member(command: PostTransaction) -> None:
    if (command.points_tendered or command.message.rewards) and not command.settled:
        raise TransactionRejected("points-without-member", "points can only be redeemed with a known card")


def _earning(session: Session, posting: Posting, program: LoyaltyProgram, member: Member, card: Card,
             figures: SaleFigures, redeemed: Redeemed) -> Earning:
    """Points by the server's rules on its own figures and the member's tier (or the tier the sale
    crosses into, see `tier_crossing`: the till's figure at the old tier is then expected); a
    blocked or lost card earns none."""
    command = posting.command
    if not card_is_usable(card.state):
        return Earning(points=0, line_points={ln.line_id: 0 for ln in figures.lines}, eligible_minor=0)
    earning = compute_earning(figures.lines, program.earning, tier=member.tier,
                              points_tender_minor=redeemed.value_minor)
    expected = earning.points
    tier = tier_for_sale(session, program, member, command.id, command.at,
                         sum(ln.paid_minor for ln in command.message.lines), earning.points)
    if tier != member.tier:
        earning = compute_earning(figures.lines, program.earning, tier=tier, points_tender_minor=redeemed.value_minor)
        posting.outcome.update(tier_crossed={"from": member.tier, "to": tier, "points_at_old_tier": expected})
        record_crossing(session, member, tier, command.at)
    if command.points_earned is not None and command.points_earned not in (earning.points, expected):
        posting.flag(ExceptionKind.POINTS_EARNED_DIFFERS, command.points_earned, earning.points,
                     f"terminal {command.store}/{command.terminal} said {command.points_earned} points, "
                     f"the rules give {earning.points}")
    return earning


def _server_figures(session: Session, posting: Posting, card: Card | None, program: LoyaltyProgram) -> SaleFigures:
    """Price the sale as the server would (an offline sale with the promotions its till had at its
    cursor), flag every line the till charged differently or the server cannot price (never
    charged again: the customer has paid), and return what the sale earns on."""
    command = posting.command
    usable = card is not None and card_is_usable(card.state)
    try:
        repricing = reprice_sale(session, command.store, command.at, card.number if usable else None,
                                 command.lines, tuple(command.coupons), program,
                                 feed_cursor=command.feed_cursor if command.offline else None,
                                 rewards=tuple(RewardClaim(r.reward_id, r.times) for r in command.message.rewards))
    except (OneCardError, LoyaltyError, PromotionError) as exc:
        repricing = None  # the server cannot price the sale: every line earns under the unknown-item rule
        posting.flag(ExceptionKind.NOT_PRICED, sum(ln.paid_minor for ln in command.message.lines), None,
                     f"the server could not price the sale of terminal {command.store}/{command.terminal}: {exc}")
    figures = sale_figures(command.message.lines, repricing, program)
    if repricing is not None:
        _check_till_prices(posting, repricing, card is None or usable)
    return figures


def _check_till_prices(posting: Posting, repricing: Repricing, card_usable: bool) -> None:
    lines = posting.command.lines
    if repricing.unknown:
        posting.flag(ExceptionKind.UNKNOWN_ITEMS, sum(u.line["paid_minor"] for u in repricing.unknown), None,
                     unknown_items(repricing)[:1000])
    comparable = card_usable and repricing.comparable
    differences = price_differences(repricing, lines) if comparable else []
    if differences:
        priced = {line.line_id for line in repricing.priced.lines}
        till_total = sum(line["paid_minor"] for line in lines if line["line_id"] in priced)
        posting.flag(ExceptionKind.PRICE_DIFFERS, till_total, repricing.priced.total,
                     "; ".join(differences)[:1000])
    if repricing.priced is not None:
        posting.outcome["tax"] = tax_figures(repricing.priced)  # the server's, whatever the till said
    # Tax is rounded per rate over all of a rate's lines: with a line the server cannot price, its
    # per-line shares of the known lines' rates are not the till's to compare.
    taxes = tax_differences(repricing, lines) if comparable and not repricing.unknown else []
    if taxes:
        priced = {line.line_id for line in repricing.priced.lines}
        till_tax = sum(line.get("tax_minor") or 0 for line in lines if line["line_id"] in priced)
        posting.flag(ExceptionKind.TAX_DIFFERS, till_tax, repricing.priced.tax, "; ".join(taxes)[:1000])


def _sale_record(original: PostedTransaction) -> SaleRecord:
    lines = tuple(SaleLine(line_id=ln["line_id"], paid_minor=ln["paid_minor"], qty=ln["qty"],
                           category=ln.get("category", ""), excluded=ln.get("excluded", False))
                  for ln in original.body["lines"])
    rewards = tuple(RewardRecord(r["reward_id"], r["points"], r["line_discounts"])
                    for r in original.outcome.get("rewards", ()))
    return SaleRecord(transaction_id=original.id, account_id=str(original.member_id), lines=lines,
                      line_points=original.outcome.get("line_points", {}),
                      bonus_points=original.outcome.get("bonus_points", 0),
                      redeemed_points=original.points_redeemed - sum(r.points for r in rewards),
                      points_tender_minor=original.outcome.get("points_tender_minor", 0), rewards=rewards)


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
    work = batch_work.pending(session)
    if original is not None and work is not None and original.id in work.claimed:
        original = None  # claimed by its batch, to be applied by a later item: not known yet, as to a till
    if original is None or original.kind != SALE:
        raise TransactionRejected("original-unknown",
                                  f"no sale {command.original_id} is known yet; retry later")
    return original


def _apply_return(session: Session, posting: Posting, program: LoyaltyProgram, row: PostedTransaction) -> None:
    command = posting.command
    original = _lock_original(session, command)
    # Read after the lock: on PostgreSQL each statement sees what was committed before it started.
    # Returns and voids its batch claimed for later items have not happened yet (``claim_all``).
    work = batch_work.pending(session)
    undoing = [row for row in _undoing(session, original.id, excluding=command.id)
               if work is None or row.id not in work.claimed]
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
    if original.member_id is not None and outcome.entries:
        lock_member(session, original.member_id)
        ledger = load_kept(session, original.member_id)
        ledger = post_entries(session, ledger, outcome.entries, posting.now, allow_debt=True)
        _publish(session, original.member_id, program, posting.now, ledger, (command.store, command.at))
    row.total_minor = -outcome.refund_minor  # set with the rest: one UPDATE (see _apply_sale)
    row.member_id = original.member_id  # after lock_member, as for a sale (see _apply_sale)
    row.points_earned, row.points_redeemed = -outcome.points_taken_back, -outcome.points_given_back
    posting.outcome.update(returned={k: v for k, v in returned.items() if v},
                           points_taken_back=outcome.points_taken_back,
                           points_given_back=outcome.points_given_back,
                           refund_minor=outcome.refund_minor,
                           money_refund_minor=outcome.money_refund_minor)
    if "tax" in original.outcome:  # sales posted before taxes kept none to give back
        posting.outcome["tax"] = _tax_given_back(sale, original.outcome["tax"], before, outcome)


def _tax_given_back(sale: SaleRecord, charged: dict, before: dict[str, int], outcome: ReturnOutcome) -> dict:
    """The tax this return gives back per line, in proportion to what it refunds (``promotions.tax``)."""
    paid = {ln.line_id: ln.paid_minor for ln in sale.lines}
    # A till that charged a line less than the server priced it refunds what was paid: the tax
    # given back is the server's, up to that.
    taxes = {line_id: min(tax, paid.get(line_id, 0)) for line_id, tax in charged["lines"].items()}
    lines = returned_taxes(taxes, paid,
                           refunded_by_line(sale, before), outcome.line_refunds)
    return {"total": sum(lines.values()), "lines": lines}


def _reverse(sale: SaleRecord, command: PostTransaction, returned: dict[str, int],
             before: dict[str, int], program: LoyaltyProgram) -> ReturnOutcome:
    try:
        return reverse_return(sale, command.id, command.at, returned, before, program.expiry)
    except LoyaltyError as exc:
        raise TransactionRejected("return-exceeds-sale", str(exc)) from None
