"""The roll-up job: figures equal the raw rows' sums, and a later run adds exactly what is new."""

from datetime import timedelta

from sqlalchemy import select

from server.models import SalesDay
from server.reports.rollups import run_rollups
from tests.integration.reports.conftest import at
from tests.integration.reports.model import raw_transactions, sales_by_store_day
from tests.support.tills import line


def rolled_up_sales(services) -> dict[tuple, dict[str, int]]:
    with services.db.session() as session:
        return {(r.store_code, r.day, r.member): dict(sales=r.sales, sales_minor=r.sales_minor, items=r.items,
                                                      returns=r.returns, returns_minor=r.returns_minor)
                for r in session.scalars(select(SalesDay))}


def test_the_sales_roll_up_equals_the_raw_sales_by_store_local_day(chain, services):
    assert run_rollups()["rollup-sales"] == 12
    expected = sales_by_store_day(raw_transactions(services))
    assert rolled_up_sales(services) == expected
    # Ada's 23:30 UTC sale in Berlin counts on the 4th; her 03:00 UTC sale in New York on the 3rd
    assert ("A1", at("2025-03-04").date(), True) in expected and ("B2", at("2025-03-03").date(), True) in expected


def test_a_second_run_adds_only_what_was_posted_since_and_twice_is_no_more(chain, services, clock):
    run_rollups()
    before = rolled_up_sales(services)
    chain.sell("A1", clock() + timedelta(hours=1), [line("1", 2500, qty=3, category="produce")], "Bob")
    assert run_rollups()["rollup-sales"] == 0  # not settled yet: posted less than two minutes ago
    clock.advance(minutes=3)
    assert run_rollups()["rollup-sales"] == 1
    assert run_rollups()["rollup-sales"] == 0
    after = rolled_up_sales(services)
    day = ("A1", clock().date(), True)
    moved = {key: {k: after[key][k] - before.get(key, {}).get(k, 0) for k in after[key]} for key in after}
    assert {key: figures for key, figures in moved.items() if any(figures.values())} == {
        day: dict(sales=1, sales_minor=2500, items=3, returns=0, returns_minor=0)}
