"""Applying a till's journal batch: in one transaction, each item on its own, answered per item.

The batch is one transaction. It is first applied without a savepoint per item: its transactions
claimed with one statement (``posting.claim_all``), its items applied one after the other and
their rows written together at the end. A transaction claimed for a later item has not happened
yet for the items before it: a return or void of a sale that comes later in the batch finds the
sale unknown, as it would item by item, and returns or voids claimed for later items do not count
as done (``posting._apply_return``). Should an item be refused or fail once it has begun, that
transaction is rolled back and the batch applied again with each item in a savepoint (and claimed
by itself), so one item's refusal (or an unexpected error on it) undoes that item alone: the rest
of the batch lands and the item gets its own answer.
Items that may become applicable later (a return whose sale has not arrived yet, or one that met
an unexpected error on the server) are answered ``retry``; items that never will (an item the
batch schema found invalid, a body that does not load, a rule broken) are ``rejected``. Both are
kept in journal_rejections for the reconciliation report until they are applied. Should the
batch's transaction fail as a whole (a lost connection, a failed commit), nothing of it was applied
and every item is answered ``retry``.

Work is set-wise where the items allow it: the members the batch's sales name are locked once, in
id order, before the first item, so two batches of sales sharing members never wait on each other
in a circle (a return locks its sale's member only when it is applied and may still meet one:
PostgreSQL then fails that statement, the batch is applied again item by item, and should the
item meet one again, it alone is answered ``retry``). The locks are held until the batch commits,
so batches that share members are applied one after another. Ledger entries and reconciliation
exceptions are inserted for the whole batch at its end and the members' kept balances written
then, each member's snapshot is published once, with the balance after all of the batch's items,
and what no item changes is read once for all of them (``server.membership.batch_work``); the feed
head a till's catalogue is checked against is read once per batch
(``server.pricing.till_catalogues``).

The same item may arrive in two batches at once (a till resending a batch whose answer it did
not get): one applies it, the other waits for the first batch's commit and answers it as a
duplicate; a refusal is kept in one row.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from loyalty.exceptions import LoyaltyError
from server.audit import Actor
from server.db import first_write_wins
from server.exceptions import Conflict, OneCardError
from server.membership import batch_work
from server.membership.balances import read_locked, write_kept
from server.membership.ledger import read_sources
from server.membership.members import Enrolment, MemberExists, enrol
from server.membership.posting import ClaimTaken, PostTransaction, TransactionRejected, claim_all, post_transaction
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_members
from server.models import Card, JournalRejection, Member, PostedTransaction
from server.schemas.transaction_checks import plainly_valid
from server.schemas.transactions import TransactionSchema
from server.terminals import suspended_since
from server.till_events import record_event
from store_sync.journal import EnrolmentBodySchema, ItemStatus, ItemType
from store_sync.till_events import TillEventBodySchema

log = logging.getLogger(__name__)

_TRANSACTIONS = TransactionSchema()  # built once: a schema's fields are copied for each instance

# Refusals that time can cure: the till keeps the item and sends it again later.
RETRYABLE = frozenset({"original-unknown", "server-error"})


class ItemRefused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def apply_batch(sessions: Callable[[], AbstractContextManager[Session]], batch: dict, store: str,
                terminal: str, program: LoyaltyProgram, now: datetime) -> list[dict]:
    items = batch["items"]
    try:
        return (_apply_all(sessions, items, store, terminal, program, now, item_savepoints=False)
                or _apply_all(sessions, items, store, terminal, program, now, item_savepoints=True))
    except Exception:
        # The transaction is gone (a lost connection, a failed commit): nothing of the batch was applied.
        log.exception("journal batch of %d items from %s/%s was not applied", len(items), store, terminal)
        return [_unapplied(item) for item in items]


def _apply_all(sessions: Callable[[], AbstractContextManager[Session]], items: list[dict], store: str,
               terminal: str, program: LoyaltyProgram, now: datetime, *, item_savepoints: bool) -> list[dict] | None:
    """The batch's answers once committed; None (nothing applied) when, without item savepoints,
    an item was refused or failed once begun."""
    with sessions() as session:
        try:
            writes = _begin(session, items, store, terminal, now, claim=not item_savepoints)
        except DBAPIError as exc:  # the claim met a lock it could not wait for (a deadlock), say
            if item_savepoints or exc.connection_invalidated:
                raise
            return None
        results = []
        for item in items:
            result = (apply_item if item_savepoints else _apply_whole)(session, writes, item, store, terminal,
                                                                       program, now)
            if result is None:
                return None  # the session closes without a commit: the transaction rolls back
            results.append(result)
        if not item_savepoints and not _flushed(session, writes):
            return None
        writes.write_rows(session)
        write_kept(session)
        _publish_snapshots(session, writes, now)
        session.commit()
    return results


def _apply_whole(session: Session, writes: batch_work.BatchWork, item: dict, store: str, terminal: str,
                 program: LoyaltyProgram, now: datetime) -> dict | None:
    """Apply one item without a savepoint; None if it was refused or failed once begun (the batch's
    transaction then holds part of it and is given up)."""
    if item.get("errors"):  # refused before anything of it is done
        return _refuse(session, item, store, terminal, ItemRefused("invalid-item", f"the item is not valid: "
                                                                                   f"{item['errors']}"), now)
    try:
        status, outcome = _apply(session, item, store, terminal, program, now)
        _resolve(session, item["id"], now)
    except Exception as exc:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            raise  # the connection is gone, and the batch's transaction with it
        return None
    return {"id": item["id"], "status": status.value, "outcome": outcome}


def _flushed(session: Session, writes: batch_work.BatchWork) -> bool:
    """The items' own writes flushed together (the transactions' rows: one UPDATE, executemany),
    True if they all went in and every transaction claimed at the start was applied. A failure
    cannot be told apart by item here: the batch is then applied again with savepoints."""
    if writes.claimed:
        return False
    try:
        session.flush()
    except Exception as exc:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            raise
        return False
    return True


def apply_item(session: Session, writes: batch_work.BatchWork, item: dict, store: str, terminal: str,
               program: LoyaltyProgram, now: datetime) -> dict:
    """Apply one item in a savepoint of the batch's transaction; a refusal undoes only this item."""
    mark = writes.mark()
    try:
        if item.get("errors"):
            raise ItemRefused("invalid-item", f"the item is not valid: {item['errors']}")
        with session.begin_nested():
            status, outcome = _apply(session, item, store, terminal, program, now)
            _resolve(session, item["id"], now)
        return {"id": item["id"], "status": status.value, "outcome": outcome}
    except ClaimTaken as taken:
        writes.rewind(mark)
        if taken.transaction_id in writes.taken:  # taken, yet not found: not a twin (as any surprise below)
            return _failed(session, item, store, terminal, now)
        writes.taken.add(taken.transaction_id)
        return apply_item(session, writes, item, store, terminal, program, now)  # now answered as a duplicate
    except ItemRefused as refusal:
        writes.rewind(mark)
        return _refuse(session, item, store, terminal, refusal, now)
    except Exception as exc:
        # One item's surprise must not fail its batch and hold the till's journal behind it.
        writes.rewind(mark)
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            raise  # the connection is gone, and the batch's transaction with it
        return _failed(session, item, store, terminal, now)


def _failed(session: Session, item: dict, store: str, terminal: str, now: datetime) -> dict:
    log.exception("journal item %s from %s/%s failed", item["id"], store, terminal)
    refusal = ItemRefused("server-error", "the server met an unexpected error on this item; it will "
                                          "be tried again when the till resends it")
    return _refuse(session, item, store, terminal, refusal, now)


def _begin(session: Session, items: list[dict], store: str, terminal: str, now: datetime, *,
           claim: bool) -> batch_work.BatchWork:
    """What the batch reads once for all its items (``server.membership.batch_work``), and its
    members locked, in member id order, before the first item; with ``claim``, its transactions
    claimed too."""
    ids = [item["id"] for item in items]
    transactions = [item for item in items if item.get("type") == ItemType.TRANSACTION and not item.get("errors")]
    held = session.scalars(select(PostedTransaction).where(PostedTransaction.id.in_(
        [item["id"] for item in transactions]))).all() if transactions else []  # kept in the session
    refused = session.scalars(select(JournalRejection.item_id).where(
        JournalRejection.item_id.in_(ids), JournalRejection.resolved_at.is_(None))).all()
    locked = _lock_members(session, transactions)
    sources = [item["id"][:128] for item in transactions if isinstance(item.get("id"), str)]
    work = batch_work.begin(session, held=frozenset(row.id for row in held), refused=set(refused),
                            suspended_since=suspended_since(session, store, terminal),
                            loaded=[*held, *(row for pair in locked for row in pair)],
                            locked=frozenset(member.id for _, member in locked), skus=_skus(transactions),
                            entry_sources=frozenset(sources), stored_entries=read_sources(session, sources))
    if work.locked:
        work.kept_read = read_locked(session, work.locked)
        work.kept = dict(work.kept_read)
    if claim:
        _claim_all(session, work, transactions, store, terminal, now)
    return work


def _skus(transactions: list[dict]) -> frozenset[str]:
    """Every sku the transactions' lines name (their products are read once, ``batch_work``)."""
    bodies = [item["body"] for item in transactions if isinstance(item.get("body"), dict)]
    lines = [line for body in bodies if isinstance(body.get("lines"), list) for line in body["lines"]]
    return frozenset(line["sku"] for line in lines if isinstance(line, dict) and isinstance(line.get("sku"), str))


def _lock_members(session: Session, transactions: list[dict]) -> list[tuple[Card, Member]]:
    """Lock the members the transactions' cards name, in id order; return them with their cards."""
    numbers = {item["body"].get("card_number") for item in transactions if isinstance(item.get("body"), dict)}
    numbers = sorted(number for number in numbers if isinstance(number, str))
    if not numbers:
        return []
    return [(card, member) for card, member in session.execute(
        select(Card, Member).join(Member, Card.member_id == Member.id).where(Card.number.in_(numbers))
        .order_by(Member.id).with_for_update(of=Member))]


def _publish_snapshots(session: Session, writes: batch_work.BatchWork, now: datetime) -> None:
    """Each member the batch changed, published once with their state after all of it."""
    if writes.snapshots:
        publish_members(session, writes.snapshots, now)


def _unapplied(item: dict) -> dict:
    return {"id": item["id"], "status": ItemStatus.RETRY.value, "reason": "server-error",
            "detail": "the server could not apply this batch; it will be tried again when the till resends it"}


def _apply(session: Session, item: dict, store: str, terminal: str, program: LoyaltyProgram,
           now: datetime) -> tuple[ItemStatus, dict | None]:
    try:
        if item["type"] == ItemType.TRANSACTION:
            return _apply_transaction(session, item, store, terminal, program, now)
        if item["type"] == ItemType.TILL_EVENT:
            return _apply_till_event(session, item, store, terminal, now)
        return _apply_enrolment(session, item, store, terminal, program, now)
    except ma.ValidationError as exc:
        raise ItemRefused("invalid-body", f"the item body is not valid: {exc.messages}") from None
    except TransactionRejected as exc:
        raise ItemRefused(exc.reason, exc.detail) from None
    except Conflict as exc:
        raise ItemRefused("conflict", exc.detail) from None
    except (OneCardError, LoyaltyError) as exc:
        raise ItemRefused(getattr(exc, "slug", "rule-violated"), str(exc)) from None


def _apply_transaction(session, item, store, terminal, program, now):
    work = batch_work.pending(session)
    command = work.commands.get(id(item)) or _command(item, store, terminal)
    outcome, replayed = post_transaction(session, command, program, now)
    return (ItemStatus.DUPLICATE if replayed else ItemStatus.APPLIED), outcome


def _command(item: dict, store: str, terminal: str) -> PostTransaction:
    """The transaction a valid item of this terminal carries (ValidationError, ItemRefused); the
    schema loads only a body that plain checks do not find valid (``server.schemas.transaction_checks``)."""
    body = item["body"] if plainly_valid(item["body"]) else _TRANSACTIONS.load(item["body"])
    if (body["store"], body["terminal"]) != (store, terminal):
        raise ItemRefused("wrong-terminal", "a terminal may only send its own transactions")
    if body["id"] != item["id"]:
        raise ItemRefused("id-mismatch", "a transaction item's id is the transaction's id")
    return replace(PostTransaction.from_body(item["body"]), completed=True)


def _claim_all(session: Session, work: batch_work.BatchWork, transactions: list[dict], store: str, terminal: str,
               now: datetime) -> None:
    """Claim the batch's transactions at its start (``posting.claim_all``); an item that does not
    load is left to be refused (or to fail) when it is applied."""
    for item in transactions:
        try:
            work.commands[id(item)] = _command(item, store, terminal)
        except Exception:  # met again, and answered, when the item is applied
            continue
    work.claimed, posted = claim_all(session, list(work.commands.values()), now)
    work.held = work.held | {row.id for row in posted}  # read: the items are answered as duplicates
    work.loaded.extend(posted)


def _apply_till_event(session, item, store, terminal, now):
    body = TillEventBodySchema().load(item["body"])
    if (body["store"], body["terminal"]) != (store, terminal):
        raise ItemRefused("wrong-terminal", "a terminal may only send its own events")
    if body["id"] != item["id"]:
        raise ItemRefused("id-mismatch", "a till event item's id is the event's id")
    event, new = record_event(session, body, item["body"], store, terminal, now)
    return (ItemStatus.APPLIED if new else ItemStatus.DUPLICATE), {"event_id": event.id, "kind": event.kind}


def _apply_enrolment(session, item, store, terminal, program, now):
    body = EnrolmentBodySchema().load(item["body"])
    try:
        member, card = enrol(session, Enrolment(
            name=body["name"], phone=body["phone"], email=body["email"], home_store=store, created_at_store=store,
            consents=body["consents"], member_id=body["member_id"], card_number=body["card_number"]),
            program, body["at"], Actor.terminal(f"{store}/{terminal}" + _by(body["cashier_id"])))
    except MemberExists as taken:  # enrolled by this item before, or by its twin in another batch just now
        if taken.member.created_at_store != store:
            raise ItemRefused("conflict", f"member {body['member_id']} was enrolled elsewhere") from None
        return ItemStatus.DUPLICATE, {"member_id": str(taken.member.id)}
    return ItemStatus.APPLIED, {"member_id": str(member.id), "card_number": card.number}


def _by(cashier_id) -> str:
    """The cashier signed in at the till, named in the audit record's actor."""
    return f" cashier {cashier_id}" if cashier_id else ""


def _refuse(session: Session, item: dict, store: str, terminal: str, refusal: ItemRefused, now: datetime) -> dict:
    final = refusal.reason not in RETRYABLE
    row = _rejection(session, item["id"])
    if row is None:
        row, _ = first_write_wins(session, lambda: _new_rejection(session, item, store, terminal, refusal,
                                                                  final, now),
                                  lambda: _rejection(session, item["id"]))
    row.reason, row.detail, row.final, row.last_at = refusal.reason, refusal.detail, final, now
    row.attempts += 1
    batch_work.pending(session).refused.add(item["id"])
    status = ItemStatus.REJECTED if final else ItemStatus.RETRY
    return {"id": item["id"], "status": status.value, "reason": refusal.reason, "detail": refusal.detail}


def _rejection(session: Session, item_id: str) -> JournalRejection | None:
    """The item's rejection row, locked: the same item refused by two batches at once counts twice."""
    return session.scalar(select(JournalRejection).where(JournalRejection.item_id == item_id).with_for_update())


def _new_rejection(session: Session, item: dict, store: str, terminal: str, refusal: ItemRefused, final: bool,
                   now: datetime) -> JournalRejection:
    row = JournalRejection(id=uuid.uuid4(), item_id=item["id"], item_type=item["type"], store_code=store,
                           terminal_code=terminal, body=item["body"], reason=refusal.reason, detail=refusal.detail,
                           final=final, first_at=now, last_at=now, attempts=0)
    session.add(row)
    session.flush()
    return row


def _resolve(session: Session, item_id: str, now: datetime) -> None:
    if item_id not in batch_work.pending(session).refused:
        return
    row = session.scalar(select(JournalRejection).where(JournalRejection.item_id == item_id,
                                                        JournalRejection.resolved_at.is_(None)))
    if row is not None:
        row.resolved_at = now
