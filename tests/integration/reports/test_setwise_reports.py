"""The churn-risk and promotion reports choose, count and split members in SQL; here they are held
against the per-member Python loops they replaced (kept below, verbatim in substance, as the
oracle), on the generator's tiny chain, and the SQL hold-out bucket against promotions.holdout.
The cross-store report is held against the raw sales on the same chain."""

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import Uuid, func, literal, select

from bench.scale_seed import Size, seed
from promotions.holdout import bucket, is_held_out
from server.app import create_app
from server.models import HoldoutBucket, Member, MemberActivity, MemberDay, PromotionVersion
from server.pricing.segments import audience
from server.reports import members, promotions
from server.reports.holdout_buckets import bucket_of, buckets
from server.reports.promotion_rollups import fill_holdout_buckets
from server.reports.rollups import run_rollups
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.integration.reports.model import raw_members, raw_transactions
from tests.support.clock import FakeClock

TINY = Size(stores=3, tills=6, members=300, days=200, sales=3_000, products=200)
END = date(2026, 6, 1)


def test_the_sql_bucket_is_the_promotions_bucket(services):
    ids = [uuid.UUID(int=n * 0x9E3779B97F4A7C15_F39CC0605CEDC835 % 2**128) for n in range(1, 401)]
    ids.append(uuid.UUID("00000000-0000-7000-8000-000000000000"))
    for promotion_id in ("p-1", str(uuid.UUID(int=12345))):
        with services.db.session() as session:
            got = {i: session.scalar(select(bucket_of(session, promotion_id, literal(i, Uuid())))) for i in ids}
        assert got == {i: bucket(promotion_id, str(i)) for i in ids}


def old_churn_risk(session, now: datetime) -> list[dict]:
    """The report before it moved to SQL: every candidate read and checked in Python."""
    rows = session.execute(select(MemberActivity).where(MemberActivity.visits >= members.MIN_VISITS,
                                                        MemberActivity.last_at < now - members.MIN_QUIET)).scalars()
    at_risk = []
    for r in rows:
        usual = (r.last_at - r.first_at) / (r.visits - 1)
        quiet = now - r.last_at
        if quiet > members.CHURN_FACTOR * usual:
            exact = Fraction(quiet // timedelta(microseconds=1) * (r.visits - 1),
                             (r.last_at - r.first_at) // timedelta(microseconds=1)) if usual else None
            at_risk.append((exact, dict(
                member_id=str(r.member_id), visits=r.visits, last_visit_at=r.last_at,
                usual_interval_days=round(usual.total_seconds() / 86400, 1),
                days_since_last_visit=round(quiet.total_seconds() / 86400, 1), sales_minor=r.amount_minor,
                overdue_ratio=round(quiet / usual, 2) if usual else None)))
    # The old code ordered by the ratio rounded to 2 places; the SQL orders by the exact ratio.
    at_risk.sort(key=lambda pair: (pair[0] is not None, -(pair[0] or 0), pair[1]["member_id"]))
    return [row for _, row in at_risk]


def old_groups(session, promotion_id: str, targeting: dict, first: date, last: date) -> tuple[list, list]:
    """Each audience member's spend, split by hashing them one by one in Python."""
    ids = audience(targeting)
    spend = dict(session.execute(
        select(MemberDay.member_id, func.sum(MemberDay.amount_minor))
        .where(MemberDay.day.between(first, last), MemberDay.member_id.in_(ids.scalar_subquery()))
        .group_by(MemberDay.member_id)).all())
    treated, held_out = [], []
    for member_id in session.scalars(ids):
        group = held_out if is_held_out(promotion_id, str(member_id), targeting.get("holdout_bp", 0)) else treated
        group.append(int(spend.get(member_id, 0)))
    return treated, held_out


def summed(spends: list[int]) -> promotions.Group:
    return promotions.Group(len(spends), sum(1 for x in spends if x), sum(spends), sum(x * x for x in spends))


@pytest.fixture(scope="module")
def seeded(postgres_database, tmp_path_factory):
    """The tiny chain, seeded and rolled up once for the module's tests, which only read it (the
    bucket test above resets the database, so it runs before this is built, in file order)."""
    tmp_path = tmp_path_factory.mktemp("setwise")
    postgres_database.reset()
    seed(postgres_database.url, TINY, END, seed_value=11, quiet=True)
    clock = FakeClock()
    clock.now = datetime(2026, 6, 1, 0, 5, tzinfo=UTC)
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "database_url": postgres_database.url,
                                                    "secret_key": TEST_SECRET}), clock=clock)
    create_app(services=services)  # the roll-up job runs with the app's services
    run_rollups()
    yield services
    services.db.dispose()


@pytest.mark.postgres
def test_churn_risk_and_the_hold_out_split_in_sql_match_the_python_loops(seeded):
    with seeded.db.session() as session:
        for as_of in (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 15, 13, 30, tzinfo=UTC),
                      datetime(2026, 12, 2, tzinfo=UTC)):
            expected = old_churn_risk(session, as_of)
            report = members.churn_risk(session, as_of, limit=10_000)
            assert report["members_at_risk"] == len(expected) > 10, as_of
            assert report["members"] == expected
            assert members.churn_risk(session, as_of, limit=7)["members"] == expected[:7]
        targeted = [v for v in session.scalars(select(PromotionVersion)) if v.definition["targeting"]["holdout_bp"]]
        assert len(targeted) == 2
        for version in targeted:
            pid, targeting = str(version.promotion_id), version.definition["targeting"]
            for first, last in ((date(2025, 11, 1), date(2026, 5, 31)), (date(2026, 5, 1), date(2026, 5, 7))):
                treated, held_out = old_groups(session, pid, targeting, first, last)
                assert held_out and treated
                assert promotions._groups(session, pid, targeting, first, last) == (summed(treated),
                                                                                   summed(held_out))


@pytest.mark.postgres
def test_the_audiences_buckets_are_the_promotions_buckets(seeded):
    with seeded.db.session() as session:
        for version in session.scalars(select(PromotionVersion)):
            pid, targeting = str(version.promotion_id), version.definition["targeting"]
            got = dict(session.execute(select(buckets(session, pid, audience(targeting).subquery()))).all())
            assert got == {m: bucket(pid, str(m)) for m in session.scalars(audience(targeting))}
            assert len(got) > 10


def expected_cross_store(sales: list[dict], homes: dict, first_month: date, until: date, store: str | None):
    """Active members, those in 2+ stores, and flows {(home, store): [members, visits, sales]}."""
    stores, flows = defaultdict(set), defaultdict(lambda: [set(), 0, 0])
    for t in sales:
        if first_month <= t["at"].date().replace(day=1) <= until:  # whole UTC months
            stores[t["member_id"]].add(t["store"])
            flow = flows[(homes[t["member_id"]] or "", t["store"])]
            flow[0].add(t["member_id"])
            flow[1] += 1
            flow[2] += t["total"]
    shoppers = [s for s in stores.values() if store is None or store in s]
    return len(shoppers), sum(len(s) >= 2 for s in shoppers), {
        key: [len(f[0]), f[1], f[2]] for key, f in flows.items() if store is None or store in key}


@pytest.mark.postgres
def test_cross_store_members_and_flows_match_the_raw_sales(seeded):
    homes = {m.id: m.home_store for m in raw_members(seeded)}
    sales = [t for t in raw_transactions(seeded) if t["kind"] == "sale" and t["member"]]
    ranges = ((date(2025, 11, 20), date(2026, 5, 31), None), (date(2026, 2, 1), date(2026, 3, 31), "S002"),
              (date(2026, 4, 10), date(2026, 4, 12), "S001"), (date(2027, 1, 1), date(2027, 2, 1), None))
    with seeded.db.session() as session:
        for since, until, store in ranges:
            active, multi, flows = expected_cross_store(sales, homes, since.replace(day=1), until, store)
            report = members.cross_store(session, since, until, store)
            assert (report["active_members"], report["cross_store_members"]) == (active, multi), (since, store)
            assert report["cross_store_share"] == (round(multi / active, 4) if active else None)
            assert {(f["home_store"], f["store"]): [f["members"], f["visits"], f["sales_minor"]]
                    for f in report["flows"]} == flows
            assert [(f["home_store"], f["store"]) for f in report["flows"]] == sorted(flows)
            assert (active, multi, bool(flows)) == ((0, 0, False) if since.year == 2027 else (active, multi, True))
        first = members.cross_store(session, *ranges[0])
        assert first["cross_store_members"] > 0 and len({f["store"] for f in first["flows"]}) == 3


@pytest.mark.postgres
def test_the_kept_buckets_are_the_promotions_and_members_without_one_are_hashed_by_the_report(seeded):
    with seeded.db.session() as session:
        targeted = [v for v in session.scalars(select(PromotionVersion)) if v.definition["targeting"]["holdout_bp"]]
        ids = list(session.scalars(select(Member.id)))
        kept = {(r.promotion_id, r.member_id): r.bucket for r in session.scalars(select(HoldoutBucket))}
        assert kept == {(str(v.promotion_id), m): bucket(str(v.promotion_id), str(m)) for v in targeted for m in ids}
        assert fill_holdout_buckets(seeded.db) == 0  # the fixture's run bucketed everyone
        # Members the job has not reached yet (enrolled since its last run): the report hashes them.
        session.execute(HoldoutBucket.__table__.delete().where(HoldoutBucket.member_id.in_(ids[::3])))
        for version in targeted:
            pid, targeting = str(version.promotion_id), version.definition["targeting"]
            treated, held_out = old_groups(session, pid, targeting, date(2025, 11, 1), date(2026, 5, 31))
            assert promotions._groups(session, pid, targeting, date(2025, 11, 1), date(2026, 5, 31)) == (
                summed(treated), summed(held_out))
        session.rollback()
