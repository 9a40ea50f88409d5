"""The roll-up job: figures equal the raw rows' sums, and a later run adds exactly what is new."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from server.models import ChainDay, SalesDay
from server.reports.rollups import run_rollups
from server.reports.sales import sales_by_day
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


def test_the_chain_day_roll_up_is_the_stores_days_added_up_and_gives_the_dashboard_its_days(chain, services, clock):
    run_rollups()
    chain.sell("A1", clock() + timedelta(hours=1), [line("1", 2500, qty=3, category="produce")], "Bob")
    clock.advance(minutes=3)
    run_rollups()  # a second batch adds to the chain's day as to the store's
    stores = rolled_up_sales(services)
    expected: dict[tuple, Counter] = {}
    for (_, day, member), figures in stores.items():
        expected.setdefault((day, member), Counter()).update(figures)
    with services.db.session() as session:
        chain_days = {(r.day, r.member): dict(sales=r.sales, sales_minor=r.sales_minor, items=r.items,
                                              returns=r.returns, returns_minor=r.returns_minor)
                      for r in session.scalars(select(ChainDay))}
        assert chain_days == {key: {name: figures[name] for name in chain_days[key]}
                              for key, figures in expected.items()}
        days = sorted({day for _, day, _ in stores})
        for store in (None, "A1"):
            by_day: dict = {}
            for (code, day, member), figures in stores.items():
                if store in (None, code) and figures["sales"]:
                    row = by_day.setdefault(day, Counter(day=day))
                    row.update(baskets=figures["sales"], sales_minor=figures["sales_minor"],
                               member_baskets=figures["sales"] if member else 0,
                               member_sales_minor=figures["sales_minor"] if member else 0)
            found = [r for r in sales_by_day(session, days[0], days[-1], store) if r["baskets"]]
            assert found == [{"day": day, **{k: v for k, v in by_day[day].items() if k != "day"}}
                             for day in sorted(by_day)]
            assert len({r["day"] for r in found}) == len(found) > 1
