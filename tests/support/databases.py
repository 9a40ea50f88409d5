"""Fresh databases for tests: one PostgreSQL database and one SQLite template per test run.

PostgreSQL is used for real (ONECARD_TEST_PG_URL, default: the local server's `test` database as
user postgres). Each run creates its own uniquely named database and drops it afterwards; each test
starts from empty tables. A SQLite test gets its own copy of a migrated template file.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from server.db import make_engine
from server.dbmigrate import upgrade
from server.models import Base

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_admin_url() -> str:
    return os.environ.get("ONECARD_TEST_PG_URL", DEFAULT_PG_URL)


class PostgresTestDatabase:
    def __init__(self) -> None:
        admin = make_url(pg_admin_url())
        self.name = f"onecard_test_{uuid.uuid4().hex[:12]}"
        self._admin_url = admin
        self.url = admin.set(database=self.name).render_as_string(hide_password=False)

    def create(self) -> None:
        engine = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        engine.dispose()
        migrated = make_engine(self.url)
        upgrade(migrated)
        migrated.dispose()

    def reset(self) -> None:
        """Empty every table (cheaper than a new database per test, same isolation)."""
        engine = make_engine(self.url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()

    def drop(self) -> None:
        engine = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        engine.dispose()


class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.sqlite3"
        engine = make_engine(f"sqlite:///{self.path}")
        upgrade(engine)
        engine.dispose()  # the last connection to close checkpoints the WAL into the file

    def copy_to(self, directory: Path) -> str:
        target = directory / "onecard.sqlite3"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"
