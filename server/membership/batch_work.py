"""What a journal batch reads once at its start and writes once at its end, instead of per item.

A journal batch (``server.membership.journal``) applies its items in one transaction (each in a
savepoint when it is applied item by item). Read once, before the first item: which of its
transactions the server already holds (the others are claimed without a look first, together in
the first pass: ``claimed``), which of its items have a refusal on file,
whether its terminal is suspended, and its sales' members (locked, so ``lock_member`` need not
ask again). Two kinds of work wait here until the batch ends:

- rows nothing in the batch reads back (ledger entries, reconciliation exceptions, the discounts
  its sales kept per line and the promotion uses they recorded), inserted with one multi-row
  statement per table and set of columns (a replay of a member's ledger reads the waiting entries here, a member's
  usage limits the waiting uses: ``uses``);
- member snapshots for the change feed: a member with five sales in a batch is published once, with
  the balance after all five (tills only ever keep a member's newest snapshot).

An item undone by its savepoint drops what it left here (``mark`` / ``rewind``). Code that replays a
member's whole ledger inside the batch adds the waiting rows to the stored ones
(``server.membership.ledger``). Outside a batch (a sale posted online) nothing waits: ``pending``
is None and callers write at once.

Reads that no item of the batch changes are made once for all of them (``read_once``): the till's
store, the products its sales name with their tax rates, the tax its till had at a feed cursor,
the segments and clipped offers of its sales' members, the stored ledger entries of its
transactions, the promotion uses its members had when it began (``server.pricing.quotes``), the
promotions with a chain cap among those its sales used and each promotion version its sales name
(``server.pricing.cap_holds``, ``server.pricing.usage``). Its sales' members' kept balances are
read with their locks, kept here as its items change them (``kept``, undone with an item) and
written once at its end (``server.membership.balances``); the live holds and limited-offer uses
its snapshots show are read for all of its members at once, after its items.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import bindparam, column, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

_KEY = "onecard.batch_work"
_ONLINE = "onecard.read_once_online"
_LATER = "onecard.insert_later"
T = TypeVar("T")


@dataclass(frozen=True)
class Mark:
    rows: dict[type, int]
    snapshots: dict[uuid.UUID, tuple]
    kept: dict[uuid.UUID, Any]
    uses: dict[uuid.UUID, tuple]


@dataclass
class BatchWork:
    """Rows per model, and the members whose snapshot is due, in the order they were first touched."""

    held: frozenset[str] = frozenset()  # the batch's transaction ids already posted when it began
    claimed: dict[str, Any] = field(default_factory=dict)  # rows claimed at its start, not yet applied (by id)
    commands: dict[int, Any] = field(default_factory=dict)  # its transaction items' commands, by id() of the item
    taken: set[str] = field(default_factory=set)  # ids whose claim met a twin committed since (posting.ClaimTaken)
    refused: set[str] = field(default_factory=set)  # its item ids with an unresolved refusal on file
    suspended_since: datetime | None = None  # the terminal's suspension, as the batch began
    loaded: list[Any] = field(default_factory=list)  # rows read once, held so the session keeps them
    locked: frozenset[uuid.UUID] = frozenset()  # members locked (FOR UPDATE) when the batch began
    kept_read: dict[uuid.UUID, Any] = field(default_factory=dict)  # their kept state as read (or last written)
    kept: dict[uuid.UUID, Any] = field(default_factory=dict)  # ... and as the batch's items left it
    rows: dict[type, list[dict[str, Any]]] = field(default_factory=dict)
    snapshots: dict[uuid.UUID, tuple] = field(default_factory=dict)  # member -> (program, visit)
    # member -> the promotion uses its items recorded, (promotion, transaction, at), waiting in ``rows``
    uses: dict[uuid.UUID, tuple] = field(default_factory=dict)
    entry_sources: frozenset[str] = frozenset()  # its transaction ids, as ledger entry sources
    stored_entries: dict[uuid.UUID, Any] = field(default_factory=dict)  # their entries stored when it began
    skus: frozenset[str] = frozenset()  # every sku its transactions' lines name
    reads: dict[Any, Any] = field(default_factory=dict)  # what ``read_once`` read, by key

    def add(self, model: type, values: dict[str, Any]) -> None:
        self.rows.setdefault(model, []).append(values)

    def snapshot_due(self, member_id: uuid.UUID, program, visit: tuple[str, datetime] | None) -> None:
        self.snapshots[member_id] = (program, visit)

    def mark(self) -> Mark:
        return Mark({model: len(rows) for model, rows in self.rows.items()}, dict(self.snapshots), dict(self.kept),
                    dict(self.uses))

    def rewind(self, mark: Mark) -> None:
        for model, rows in self.rows.items():
            del rows[mark.rows.get(model, 0):]
        self.snapshots = dict(mark.snapshots)
        self.kept = dict(mark.kept)
        self.uses = dict(mark.uses)

    def write_rows(self, session: Session) -> None:
        """One INSERT per table for every waiting row (executemany, sent as multi-row VALUES), on the
        table itself: the rows are column values that nothing reads back as objects, so the ORM's
        bulk insert would only add its per-row work. Rows naming other columns go in their own INSERT."""
        for model, rows in self.rows.items():
            by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
            for row in rows:
                by_columns.setdefault(frozenset(row), []).append(row)
            for same in by_columns.values():
                session.execute(insert(model.__table__), same)
            rows.clear()


def begin(session: Session, **read_once: Any) -> BatchWork:
    work = session.info[_KEY] = BatchWork(**read_once)
    return work


def pending(session: Session) -> BatchWork | None:
    """The open batch's writes, or None when the session is not applying a journal batch."""
    return session.info.get(_KEY)


def read_once(session: Session, key: Any, read: Callable[[], T]) -> T:
    """``read()`` once per journal batch, its value kept for the batch's other items; once per
    sale posted online (``one_sale``); elsewhere, every time. Only for what no item of the
    batch changes."""
    work = pending(session)
    reads = work.reads if work is not None else session.info.get(_ONLINE)
    if reads is None:
        return read()
    if key not in reads:
        reads[key] = read()
    return reads[key]


def keep_read(session: Session, key: Any, value: Any) -> None:
    """Have ``read_once`` answer ``value`` for ``key`` from now on in this batch or sale: it came
    with a statement that read something else as well."""
    work = pending(session)
    reads = work.reads if work is not None else session.info.get(_ONLINE)
    if reads is not None:
        reads.setdefault(key, value)


def in_one_sale(session: Session) -> bool:
    """Whether the session is posting one sale online (``one_sale``)."""
    return _ONLINE in session.info


def was_read(session: Session, key: Any) -> Any:
    """What ``read_once`` read for ``key`` in this batch or sale, or None if it read nothing yet."""
    work = pending(session)
    reads = work.reads if work is not None else session.info.get(_ONLINE)
    return None if reads is None else reads.get(key)


def insert_later(session: Session, model: type, rows: list[dict[str, Any]]) -> bool:
    """In a sale posted online (``one_sale``), keep ``rows`` to be inserted when it ends, with the
    sale's other such rows in one statement, and answer True; elsewhere answer False (the caller
    inserts them). Only for rows nothing of the sale reads back."""
    later = session.info.get(_LATER)
    if later is None:
        return False
    later.rows.setdefault(model, []).extend(rows)
    return True


def write_later(session: Session, key: Any, statement: Any, params: dict[str, Any]) -> bool:
    """``insert_later`` for an UPDATE of one row (``key`` names it), built once with its values as
    ``params`` (so the sale's end write is built once per shape): True if it waits for the sale's
    end. A second one for the same row does not wait (two changes of a row in one statement would
    not both apply): what waits is written first, and the caller runs the statement at once."""
    later = session.info.get(_LATER)
    if later is None:
        return False
    if key in later.statements:
        _write(session, later)
        return False
    later.statements[key] = (statement, params)
    return True


@dataclass
class _Later:
    """What a sale posted online writes at its end: rows to insert, by model; row updates, by row."""

    rows: dict[type, list[dict[str, Any]]] = field(default_factory=dict)
    statements: dict[Any, tuple[Any, dict[str, Any]]] = field(default_factory=dict)  # key -> (statement, params)


@contextmanager
def one_sale(session: Session) -> Iterator[None]:
    """Within the block (one sale posted online), ``read_once`` reads each key once, as a journal
    batch's items do (what no item of a batch changes, one sale does not change either), and the
    rows given to ``insert_later`` and ``write_later`` are written when the block ends, in one statement."""
    session.info[_ONLINE], session.info[_LATER] = {}, _Later()
    try:
        yield
        _write(session, session.info[_LATER])
    finally:
        session.info.pop(_ONLINE, None)
        session.info.pop(_LATER, None)


def _write(session: Session, later: _Later) -> None:
    """One statement per table or row, or on PostgreSQL all of them as one statement (the others as
    data-modifying WITH clauses of the last): one round trip for the sale's rows. Nothing is left
    waiting after."""
    inserts = [(model, rows) for model, rows in later.rows.items() if rows]
    updates = list(later.statements.values())
    later.rows, later.statements = {}, {}
    if not inserts and not updates:
        return
    # Not flushing first: the session's changes (the sale's own row) are flushed once, after.
    with session.no_autoflush:
        if session.get_bind().dialect.name != "postgresql":
            for model, rows in inserts:
                for statement in _values_inserts(model, rows):
                    session.execute(statement)
            for statement, params in updates:
                session.execute(statement, params)
            return
        shapes = tuple(_shape(model, rows) for model, rows in inserts)
        if None in shapes or len({id(statement) for statement, _ in updates}) < len(updates):
            # Rows that do not fit one array per column, or two updates alike (their parameters would
            # share names): each statement on its own.
            for (model, rows), shape in zip(inserts, shapes, strict=True):
                for statement in _values_inserts(model, rows) if shape is None else [_unnested_insert(model, rows)]:
                    session.execute(statement)
            for statement, params in updates:
                session.execute(statement, params)
            return
        params: dict[str, Any] = {}
        for (model, rows), (_, keys) in zip(inserts, shapes, strict=True):
            params.update(_arrays(model, keys, rows))
        for _, values in updates:
            params.update(values)
        session.execute(_composed(shapes, tuple(statement for statement, _ in updates)), params)


_COMPOSED: dict[tuple, Any] = {}
_COMPOSED_MAX = 256  # shapes seen (tables, columns and updates of a sale's end write): a handful in practice


def _composed(shapes: tuple, updates: tuple) -> Any:
    """The sale's end write for rows of these shapes and these (built once) updates, as one
    statement: built, and its cache key made, once per shape rather than once per sale
    (``bench.sale_profile``, quiet machine: 10.4 ms of CPU a sale when built each time, 8.0 ms now).
    Shared by the process's threads: a kept statement is only read, and a dict's get and set are
    atomic in CPython."""
    key = (shapes, updates)
    statement = _COMPOSED.get(key)
    if statement is None:
        *others, last = [_unnested_template(model, keys) for model, keys in shapes] + list(updates)
        statement = last.add_cte(*(other.cte(f"written_{n}") for n, other in enumerate(others))) if others else last
        if len(_COMPOSED) >= _COMPOSED_MAX:
            _COMPOSED.clear()
        _COMPOSED[key] = statement
    return statement


def _values_inserts(model: type, rows: list[dict[str, Any]]) -> list[Any]:
    """Multi-row VALUES INSERTs, one per set of columns the rows name: a multi-row VALUES takes its
    columns from its first row, so a later row's other columns would be dropped."""
    alike: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        alike.setdefault(tuple(sorted(row)), []).append(row)
    return [insert(model).values(same) for same in alike.values()]


def _shape(model: type, rows: list[dict[str, Any]]) -> tuple[type, tuple[str, ...]] | None:
    """(model, columns) when the rows fit one array per column: all name the same columns, and none
    left out has a default Python makes per row; else None (they keep a multi-row VALUES)."""
    keys = tuple(rows[0])
    left_out = [c for c in model.__table__.columns if c.key not in rows[0]]
    if any(row.keys() != rows[0].keys() for row in rows) or any(
            c.default is not None and not c.default.is_scalar for c in left_out):
        return None
    return model, keys


@cache
def _unnested_template(model: type, keys: tuple[str, ...]) -> Any:
    """PostgreSQL: INSERT ... SELECT FROM unnest(...) of one array per column, the arrays given as
    parameters (``<table>_<column>``). Its text depends on its columns, never on how many rows it
    carries, so it is built and compiled once; a multi-row VALUES has no cache key and was compiled
    anew for every sale (``bench.sale_profile``: 8-11% of a sale's CPU)."""
    table = model.__table__
    columns = [table.c[key] for key in keys]
    # Each array is typed by its column (psycopg's dialect casts the parameter: ``%(x)s::UUID[]``).
    arrays = [bindparam(f"{table.name}_{c.name}", type_=ARRAY(c.type)) for c in columns]
    unnested = func.unnest(*arrays).table_valued(*(column(c.name, c.type) for c in columns)).render_derived()
    return insert(table).from_select(columns, select(*unnested.c))


def _arrays(model: type, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> dict[str, list]:
    table = model.__table__
    return {f"{table.name}_{table.c[key].name}": [row[key] for row in rows] for key in keys}


def _unnested_insert(model: type, rows: list[dict[str, Any]]) -> Any:
    """The template with these rows' arrays bound to it."""
    keys = tuple(rows[0])
    return _unnested_template(model, keys).params(_arrays(model, keys, rows))


def end(session: Session) -> None:
    session.info.pop(_KEY, None)
