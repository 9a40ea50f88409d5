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


def test_promotion_uses_are_filled_from_the_discounts_sales_already_kept(empty_engine):
    import uuid
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from server.models import Member, PromotionUseRecord, SaleDiscount

    upgrade(empty_engine, "0004_pricing")  # a database from before promotion uses were kept
    at, member = datetime(2026, 3, 2, 9, 30, tzinfo=UTC), uuid.uuid4()

    def discount(sale, line, promotion, member_id=member):
        return SaleDiscount(transaction_id=sale, line_id=line, promotion_id=promotion, version=1, label="x",
                            amount_minor=50, member_id=member_id, store_code="B1", at=at + timedelta(minutes=len(sale)))

    with Session(empty_engine) as session:
        session.add(Member(id=member, name="Ada", tier="basic", consents={}, tier_since=at, created_at=at))
        session.flush()
        session.add_all([discount("s1", "1", "P"), discount("s1", "2", "P"), discount("s1", "1", "Q"),
                         discount("s22", "1", "P"), discount("anon", "1", "P", member_id=None)])
        session.commit()
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        uses = session.execute(select(PromotionUseRecord.transaction_id, PromotionUseRecord.promotion_id,
                                      PromotionUseRecord.member_id, PromotionUseRecord.at)).all()
    # One use per sale and promotion however many lines it discounted; anonymous sales count for nobody.
    s1_at, s22_at = at + timedelta(minutes=2), at + timedelta(minutes=3)
    assert sorted(uses) == [("s1", "P", member, s1_at), ("s1", "Q", member, s1_at), ("s22", "P", member, s22_at)]


def test_the_chain_category_days_are_filled_from_the_store_category_days_already_rolled_up(empty_engine):
    from datetime import date

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from server.models import CategoryDay, ChainCategoryDay

    upgrade(empty_engine, "dash16_transactions_at")  # a database from before the chain's category days
    march = date(2025, 3, 4)
    with Session(empty_engine) as session:
        session.add_all([CategoryDay(store_code=store, day=day, category=category, member=member, lines=lines,
                                     qty=2 * lines, amount_minor=100 * lines)
                         for store, day, category, member, lines in (
                             ("A1", march, "dairy", True, 1), ("B2", march, "dairy", True, 2),
                             ("B2", march, "dairy", False, 4), ("A1", date(2025, 3, 5), "dairy", True, 8),
                             ("A1", march, "produce", True, 16))])
        session.commit()
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        rows = session.execute(select(ChainCategoryDay.day, ChainCategoryDay.category, ChainCategoryDay.member,
                                      ChainCategoryDay.lines, ChainCategoryDay.qty,
                                      ChainCategoryDay.amount_minor)).all()
    assert sorted(rows) == [(march, "dairy", False, 4, 8, 400), (march, "dairy", True, 3, 6, 300),
                            (march, "produce", True, 16, 32, 1600), (date(2025, 3, 5), "dairy", True, 8, 16, 800)]
