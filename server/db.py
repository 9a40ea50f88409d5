"""Database engine and sessions: SQLite (embedded default) or PostgreSQL, one code path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

DEFAULT_POOL_SIZE = 10
DEFAULT_MAX_OVERFLOW = 10


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
    return create_engine(database_url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred).
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection) -> None:
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
