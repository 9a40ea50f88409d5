"""The `onecard` command as an operator runs it: help, version, errors in one line, credentials."""

import pytest
from sqlalchemy import select

from server.db import Database
from server.models import Terminal
from tests.support.processes import onecard_env, run_onecard


@pytest.fixture
def env(tmp_path, database_url):
    return onecard_env(data_dir=str(tmp_path), database_url=database_url)


def test_version_and_help_for_every_command(env):
    assert run_onecard("--version", env=env).stdout.startswith("onecard, version ")
    for command in (["server"], ["worker"], ["scheduler"], ["db", "upgrade"], ["users", "create"],
                    ["terminals", "register"], ["terminals", "revoke"], ["users", "disable"], ["stores", "create"]):
        result = run_onecard(*command, "--help", env=env)
        assert result.returncode == 0 and "Usage: onecard" in result.stdout, command


def test_bad_configuration_is_one_line_naming_the_setting(env):
    result = run_onecard("db", "upgrade", env={**env, "ONECARD_CURRENCY": "Dollars"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "onecard: configuration error: ONECARD_CURRENCY: unknown currency 'Dollars'; "
        "use an ISO 4217 code such as EUR"]


def test_users_create_then_duplicate_is_a_clear_error(env):
    created = run_onecard("users", "create", "--username", "mia", "--role", "hq",
                          "--password-stdin", env=env, input="a long enough password\n")
    assert created.returncode == 0 and "created hq user 'mia'" in created.stdout
    again = run_onecard("users", "create", "--username", "mia", "--role", "hq",
                        "--password-stdin", env=env, input="a long enough password\n")
    assert again.returncode == 1
    assert again.stderr.strip() == "onecard: a staff user named 'mia' already exists"


def test_terminals_register_prints_the_credential_once_and_stores_only_the_public_key(env, database_url):
    result = run_onecard("terminals", "register", "--store", "B2", "--terminal", "T1", env=env)
    assert result.returncode == 0, result.stderr
    credential_line = result.stdout.strip().splitlines()[-1]
    assert credential_line.startswith("oc1.")
    secret = credential_line.split(".")[2]
    db = Database(database_url)
    with db.session() as session:
        terminal = session.scalar(select(Terminal))
        stored = terminal.public_key
    db.dispose()
    assert len(stored) == 32 and secret.encode() not in stored


def test_worker_without_redis_says_why_it_is_not_needed(env):
    result = run_onecard("worker", env=env)
    assert result.returncode == 1
    assert "ONECARD_REDIS_URL is not set" in result.stderr


def test_server_refuses_an_unmigrated_database(tmp_path):
    env = onecard_env(data_dir=str(tmp_path))
    result = run_onecard("server", "--dev", env=env)
    assert result.returncode == 1 and "run: onecard db upgrade" in result.stderr
