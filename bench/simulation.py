"""Benchmark of the simulation on past sales: ``python -m bench.simulation --database-url URL``.

On a database seeded by ``bench.scale_seed`` it adds, once, a draft promotion (``bench: 15 % off
dairy for members``, targeted, with a 10 % hold-out) and times ``server.pricing.simulation.simulate``
over the last 1, 4 and 12 weeks (``--weeks``) before the data's last sale, in this process, as the
background job runs it. Beside each figure: sales replayed per second, and the same run's baseline, the engine
alone pricing the same baskets once (``promotions.price_basket``, the live catalogue), so the cost
of reading the sales is told apart from the pricing (twice for each sale the promotion could reach,
``promotions.may_apply``; not at all for the others). The machine is printed with
the figures; these VMs are shared, so read the figures as ratios within one run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta

from sqlalchemy import func, select

from bench.machine import describe
from promotions import EarnConfig, price_basket
from server.audit import Actor
from server.models import PostedTransaction, PromotionRecord, PromotionVersion
from server.pricing import simulation
from server.pricing.versions import create_promotion
from server.schemas.promotions import DefinitionSchema
from server.services import Services
from server.settings import Settings

LABEL = "bench: 15 % off dairy for members"


def draft(services: Services):
    """The bench's draft promotion, made the first time."""
    with services.db.session() as session:
        found = session.scalars(select(PromotionRecord).join(PromotionVersion, PromotionVersion.promotion_id
                                                             == PromotionRecord.id)).all()
        for record in found:
            if session.get(PromotionVersion, (record.id, 1)).definition["label"] == LABEL:
                return record.id
        definition = DefinitionSchema().load({
            "label": LABEL, "rule": {"kind": "percent_off", "percent_bp": 1500, "scope": {"categories": ["dairy"]}},
            "targeting": {"members_only": True, "holdout_bp": 1000}})
        record = create_promotion(session, definition, "draft", services.clock(), Actor.system("bench"),
                                  services.program)
        session.commit()
        return record.id


def engine_alone(services: Services, since, until) -> float:
    """Seconds for the engine to price each sale of the period once against the live catalogue."""
    tally = simulation._Tally("none")
    with services.db.session() as session:
        catalogues = simulation._catalogues(session, draft(services), 1)
        pages, after = [], None
        while page := simulation._page(session, since, until, after):
            pages.append(page)
            after = (page[-1].at, page[-1].id)
        earn = EarnConfig(services.program.earning.points_per_unit, services.program.earning.unit_minor)
        requests = []
        for page in pages:
            products = simulation._products(session, page)
            members = simulation._members(session, {s.member_id for s in page if s.member_id})
            requests += [r for s in page if (r := simulation._request(s, products, members.get(str(s.member_id)),
                                                                       catalogues, tally, earn, services.program))]
    began = time.perf_counter()
    for request in requests:
        price_basket(request, catalogues.without)
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.simulation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database seeded by bench.scale_seed")
    parser.add_argument("--weeks", type=int, nargs="+", default=[1, 4, 12], help="periods to replay, in weeks")
    args = parser.parse_args(argv)
    print(describe())
    with tempfile.TemporaryDirectory() as data_dir:
        services = Services.build(Settings.from_values({"database_url": args.database_url, "data_dir": data_dir}))
        promotion_id = draft(services)
        with services.db.session() as session:
            last = session.scalar(select(func.max(PostedTransaction.at)))
        until = last.replace(microsecond=0) + timedelta(seconds=1)
        print(f"{'weeks':>5} {'sales':>8} {'seconds':>9} {'sales/s':>9} {'engine alone, s':>16}  changed / discount")
        for weeks in args.weeks:
            began = time.perf_counter()
            result = simulation.simulate(services.db.session, promotion_id, 1, weeks, until, services.program)
            seconds = time.perf_counter() - began
            since, _ = simulation.simulation_period(until, weeks)
            alone = engine_alone(services, since, until)
            print(f"{weeks:>5} {result.sales:>8,} {seconds:>9.1f} {result.sales / seconds:>9,.0f} {alone:>16.1f}  "
                  f"{result.sales_affected:,} sales, {result.discount_minor:,} minor units, "
                  f"{result.members_reached:,} members")
        services.db.dispose()


if __name__ == "__main__":
    main()
