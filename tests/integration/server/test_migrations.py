"""Migrations run unchanged on empty SQLite and PostgreSQL and match the models exactly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from server.db import make_engine
from server.dbmigrate import current_revisions, head_revisions, is_up_to_date, upgrade
from server.models import Base


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    from tests.support.databases import PostgresTestDatabase

    database = PostgresTestDatabase()
    from sqlalchemy import create_engine, text

    admin = create_engine(database._admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database.name}"'))
    admin.dispose()
    engine = make_engine(database.url)
    yield engine
    engine.dispose()
    database.drop()


def test_upgrade_on_an_empty_database_reaches_head_and_matches_the_models(empty_engine):
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)
    assert {"stores", "terminals", "staff_users", "audit_log"} <= set(inspect(empty_engine).get_table_names())
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(empty_engine):
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current_revisions(empty_engine) == head_revisions()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
