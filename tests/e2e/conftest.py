"""The e2e stack: the real server and two agents as separate processes over a fresh PostgreSQL database."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.e2e.checks")

from tests.support.loyalty_model import LoyaltyModel  # noqa: E402
from tests.support.stack import Stack  # noqa: E402


@pytest.fixture
def stack(tmp_path, postgres_database):
    postgres_database.reset()
    built = Stack(tmp_path / "stack", postgres_database.url)
    try:
        yield built.start()
    finally:
        built.close()


@pytest.fixture
def model() -> LoyaltyModel:
    return LoyaltyModel()
