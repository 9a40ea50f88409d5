"""Fixtures shared by the whole suite: databases (SQLite and PostgreSQL), settings, app, client."""

from __future__ import annotations

import pytest

from server.app import create_app
from server.services import Services
from server.settings import Settings

# Registered here, once: pcscd is one per machine and its session fixture holds a machine-wide
# lock, so two copies of the fixture (one per test directory) would wait on each other for ever.
from tests.devices_support.fixtures import (  # noqa: F401
    card_reader,
    pcscd,
    printer_sink,
    pty_pair,
    virtual_cards,
)
from tests.support.clock import FakeClock
from tests.support.databases import PostgresTestDatabase, SqliteTemplate

TEST_SECRET = "test-secret-key-that-is-long-enough-for-onecard"


@pytest.fixture(scope="session")
def postgres_database():
    database = PostgresTestDatabase()
    database.create()
    yield database
    database.drop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, sqlite_template) -> str:
    """A fresh, migrated database: every test that takes it runs once on each engine."""
    if request.param == "sqlite":
        return sqlite_template.copy_to(tmp_path)
    database = request.getfixturevalue("postgres_database")
    database.reset()
    return database.url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings_values(tmp_path, database_url) -> dict[str, str]:
    return {"data_dir": str(tmp_path), "database_url": database_url, "secret_key": TEST_SECRET,
            "login_max_failures": "3", "login_lockout": "600"}


@pytest.fixture
def settings(settings_values) -> Settings:
    return Settings.from_values(settings_values)


@pytest.fixture
def services(settings, clock):
    built = Services.build(settings, clock=clock)
    yield built
    built.dispose()


@pytest.fixture
def app(services):
    return create_app(services=services)


@pytest.fixture
def client(app):
    return app.test_client()
