"""Database engine and sessions: SQLite (embedded default) or PostgreSQL, one code path."""

from __future__ import annotations

import logging
import select as io_select
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_POOL_SIZE = 10
DEFAULT_MAX_OVERFLOW = 10
# Connections older than this are replaced at checkout: a firewall or proxy may drop an idle
# connection silently, which the liveness check below cannot see.
POOL_RECYCLE_SECONDS = 1800


def make_engine(database_url: str, pool_size: int = DEFAULT_POOL_SIZE,
                max_overflow: int = DEFAULT_MAX_OVERFLOW) -> Engine:
    """Create the engine; SQLite connections get WAL, foreign keys and a busy timeout.

    On PostgreSQL the process keeps up to ``pool_size`` connections open and opens at most
    ``max_overflow`` more under load (closed again when returned), so one process never holds
    more than their sum: that is what has to fit the server's ``max_connections``.
    """
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    engine = create_engine(database_url, pool_size=pool_size, max_overflow=max_overflow,
                           pool_recycle=POOL_RECYCLE_SECONDS)
    event.listen(engine, "checkout", _drop_closed_by_server)
    return engine


def _drop_closed_by_server(dbapi_connection, _record, _proxy) -> None:
    """Refuse a pooled connection the server has closed (a restart, pg_terminate_backend).

    Instead of a round trip per checkout (``pool_pre_ping``), look at the socket: an idle
    connection has nothing to read, while a closed one has the server's goodbye (or EOF) waiting.
    Raising DisconnectionError makes the pool throw the connection away and check out another.
    """
    try:
        readable, _, _ = io_select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # the socket is already gone
        raise DisconnectionError("the connection's socket is closed") from None
    if readable:
        raise DisconnectionError("the database closed this pooled connection")


_COMMIT_HOOKS: weakref.WeakKeyDictionary[Engine, dict[str, list[Callable[[], None]]]] = (
    weakref.WeakKeyDictionary())


def on_commit(engine: Engine, signal: str, callback: Callable[[], None]) -> None:
    """Call ``callback`` after each commit of a session on ``engine`` that raised ``signal``."""
    _COMMIT_HOOKS.setdefault(engine, {}).setdefault(signal, []).append(callback)


def signal_on_commit(session: Session, signal: str) -> None:
    """Mark the session's transaction: once it commits, the ``on_commit`` callbacks for ``signal`` run.

    A transaction that rolls back may leave the mark for the session's next commit: callbacks
    must be harmless when nothing happened (they say "look again", never "this happened").
    """
    session.info.setdefault("onecard_signals", set()).add(signal)


@event.listens_for(Session, "after_commit")
def _run_commit_hooks(session: Session) -> None:
    signals = session.info.pop("onecard_signals", None)
    hooks = _COMMIT_HOOKS.get(session.bind) if signals and isinstance(session.bind, Engine) else None
    for signal in signals or ():
        for callback in (hooks or {}).get(signal, ()):
            try:
                callback()
            except Exception:  # the commit stands; a missed signal only delays (see signal_on_commit)
                log.exception("after-commit callback for %r failed", signal)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred).
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection) -> None:
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # a reader that must not wait for a writer (server.membership.programme_versions)
    # SQLite has one writer. Taking the write lock when the transaction starts (not at its first
    # write) means a read-then-write transaction waits its turn instead of failing with
    # "database is locked" halfway, so read-check-write code is safe on SQLite as on PostgreSQL.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def first_write_wins(session: Session, write: Callable[[], T], read_first: Callable[[], T | None]
                     ) -> tuple[T, bool]:
    """Run ``write``, which adds rows under a key chosen by a till (its id for a sale, a hold, a
    member); if a concurrent transaction committed that key first, read what it wrote instead.

    Returns (what ``write`` returned, True), or (what ``read_first`` read, False) when the key was
    taken. The same id sent twice at the same moment (a till's retry overtaking its first attempt)
    makes both requests write: on PostgreSQL the second insert waits for the first transaction
    and fails on the unique key once it commits. Only ``write`` is undone (it runs in a savepoint);
    the first transaction's rows are committed by then, so ``read_first`` finds them and the caller
    answers as it does any retry. A key violation that no committed row explains is raised as it is.
    """
    session.flush()  # the caller's own pending rows are written (or fail) outside the savepoint
    try:
        with session.begin_nested():
            return write(), True
    except IntegrityError:
        first = read_first()
        if first is None:
            raise
        return first, False


class Database:
    """The engine and a session factory; sessions roll back unless the caller commits.

    Closing (not rolling back) ends the transaction, so objects loaded in the block stay
    readable afterwards instead of being expired.
    """

    def __init__(self, database_url: str, pool_size: int = DEFAULT_POOL_SIZE,
                 max_overflow: int = DEFAULT_MAX_OVERFLOW) -> None:
        self.engine = make_engine(database_url, pool_size, max_overflow)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # On PostgreSQL, sessions for handlers that only read, on the same pool in autocommit: no
        # BEGIN and no ROLLBACK, so a one-statement read is one round trip instead of three. At
        # READ COMMITTED each statement of a transaction takes its own snapshot all the same, so
        # reads see what they would in one. SQLite keeps ordinary sessions: its transactions begin
        # by taking the write lock (_sqlite_begin_immediate).
        self.read_only = (sessionmaker(self.engine.execution_options(isolation_level="AUTOCOMMIT"),
                                       expire_on_commit=False)
                          if self.engine.dialect.name == "postgresql" else self.sessions)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self.sessions()
        try:
            yield session
        finally:
            session.close()

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    def forget_inherited_connections(self) -> None:
        """In a forked child: start a pool of its own, leaving the parent's connections to it.

        A forked process shares its parent's open sockets; two processes talking over one
        PostgreSQL connection read each other's answers. ``close=False`` drops the inherited
        connections without closing them, since closing would end them for the parent too.
        """
        self.engine.dispose(close=False)
