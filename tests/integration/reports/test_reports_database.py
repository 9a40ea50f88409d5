"""ONECARD_REPORTS_DATABASE_URL: the roll-up reports read through their own engine, from the
database it names (a read replica in production); without it they read the main database.

The second database here is a separate PostgreSQL database with the same schema and different
roll-up rows, so a report's answer shows which one it read."""

from datetime import date

import pytest

from server.app import create_app
from server.models import SalesDay
from server.services import Services
from server.settings import ConfigError, Settings
from tests.conftest import TEST_SECRET
from tests.support.clock import FakeClock
from tests.support.databases import PostgresTestDatabase
from tests.support.factories import login, make_staff

pytestmark = pytest.mark.postgres
MARCH = "from=2025-03-01&to=2025-03-31"


@pytest.fixture
def second_database():
    database = PostgresTestDatabase()
    database.create()
    yield database
    database.drop()


def put_sales(url: str, store: str, amount: int) -> None:
    services = Services.build(Settings.from_values({"database_url": url, "secret_key": TEST_SECRET}))
    with services.db.session() as session:
        session.add(SalesDay(store_code=store, day=date(2025, 3, 3), member=True, sales=2, sales_minor=amount,
                             items=3, returns=0, returns_minor=0))
        session.commit()
    services.dispose()


def sales_seen(main_url: str, tmp_path, **extra: str) -> list[tuple]:
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "database_url": main_url,
                                                    "secret_key": TEST_SECRET, **extra}), clock=FakeClock())
    try:
        client = create_app(services=services).test_client()
        answer = client.get(f"/api/v1/reports/sales?{MARCH}", headers=login(client, "hanna"))
        assert answer.status_code == 200, answer.json
        return [(r["store"], r["sales_minor"]) for r in answer.json["rows"]]
    finally:
        services.dispose()


def test_reports_read_the_reports_database_when_one_is_set(postgres_database, second_database, tmp_path):
    postgres_database.reset()
    put_sales(postgres_database.url, "MAIN", 1_000)
    put_sales(second_database.url, "REPLICA", 2_500)
    main = Services.build(Settings.from_values({"database_url": postgres_database.url, "secret_key": TEST_SECRET}),
                          clock=FakeClock())
    make_staff(main, "hanna", "hq")  # staff sign in against the main database either way
    main.dispose()
    assert sales_seen(postgres_database.url, tmp_path / "a") == [("MAIN", 1_000)]
    assert sales_seen(postgres_database.url, tmp_path / "b",
                      reports_database_url=second_database.url) == [("REPLICA", 2_500)]


def test_a_bad_reports_database_url_names_its_setting(tmp_path):
    with pytest.raises(ConfigError, match="ONECARD_REPORTS_DATABASE_URL"):
        Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                              "reports_database_url": "mysql://somewhere/db"})
    plain = Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET})
    assert plain.reports_database_url is None and plain.reports_url == plain.database_url
