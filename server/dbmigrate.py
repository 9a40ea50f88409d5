"""Schema migrations (Alembic) driven from code, so `onecard db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "heads", programme_seed: dict | None = None) -> None:
    """Bring the database behind ``engine`` to ``revision`` (default: every branch's newest).

    ``programme_seed`` is the loyalty programme's version 1 for a database that has none yet (the
    `ONECARD_*` settings' values, `server.membership.program.starter_body`); without it the
    migration writes the defaults.

    Features add their tables on their own branch off the foundation revision, so there may be
    several heads; "heads" applies them all.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["programme_seed"] = programme_seed
        command.upgrade(config, revision)


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def is_up_to_date(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions()
