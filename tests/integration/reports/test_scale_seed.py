"""The chain-scale generator at a tiny size on PostgreSQL: the ledger's invariants hold, sales
re-priced by the server give the stored figures, and the roll-up job and the reports take the data."""

import hashlib
import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import func, select

from bench.scale_seed import Size, seed
from loyalty.earning import SaleLine, compute_earning
from loyalty.expiry import expire_due
from loyalty.ledger import replay
from server.app import create_app
from server.membership.balances import load_kept
from server.membership.jobs import run_points_expiry
from server.membership.ledger import to_entry
from server.models import (
    CategoryDay,
    ChainCategoryDay,
    LedgerEntry,
    Member,
    PostedTransaction,
    PromotionVersion,
    SaleDiscount,
)
from server.pricing.repricing import reprice_sale
from server.reports.rollups import run_rollups
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support.clock import FakeClock
from tests.support.factories import login, make_staff

pytestmark = pytest.mark.postgres

END = date(2026, 6, 1)
TINY = Size(stores=3, tills=6, members=200, days=420, sales=3_000, products=300)  # long enough for expiries
THE_END = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def chain(postgres_database, tmp_path):
    postgres_database.reset()
    written = seed(postgres_database.url, TINY, END, seed_value=7, quiet=True)
    clock = FakeClock()
    clock.now = THE_END + timedelta(minutes=5)
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "database_url": postgres_database.url,
                                                    "secret_key": TEST_SECRET}), clock=clock)
    app = create_app(services=services)  # also what jobs run with
    yield services, app.test_client(), written
    services.db.dispose()


def ledgers(services) -> dict[uuid.UUID, list[LedgerEntry]]:
    by_member = defaultdict(list)
    with services.db.session() as session:
        for row in session.scalars(select(LedgerEntry)):
            by_member[row.member_id].append(row)
    return by_member


def test_the_tiny_chain_has_its_size_and_keeps_the_ledgers_invariants(chain):
    services, _, written = chain
    assert written["sales"] == 3_000 and written["lines"] >= 4 * 3_000 and written["returns"] > 0
    assert written["expiries"] > 0  # 420 days against a 12-month expiry
    kinds = set()
    for member_id, rows in ledgers(services).items():
        entries = [to_entry(row) for row in rows]
        kinds.update(e.kind for e in entries)
        state = replay(str(member_id), entries)
        assert state.balance == sum(row.points for row in rows)
        assert state.debt == 0 and state.lot_shortfall == 0, member_id  # no debit took more than there was
        assert expire_due(state, THE_END) == []  # nothing left past its expiry
        credits = {e.id: e for e in entries if e.points > 0}
        for e in entries:
            if e.kind == "expire":
                assert credits[e.lot_id].expires_at == e.at <= THE_END
    assert kinds == {"earn", "bonus", "redeem", "expire"}
    assert run_points_expiry(THE_END) == 0  # the server's own expiry job finds nothing to do


def test_the_kept_balances_the_hot_paths_read_match_each_members_entries(chain):
    services, _, written = chain
    by_member = ledgers(services)
    assert written["kept_balances"] == len(by_member) > 0
    with services.db.session() as session:
        for member_id, rows in by_member.items():
            kept = load_kept(session, member_id).state
            assert (kept.balance, kept.debt) == (sum(row.points for row in rows), 0), member_id


def test_a_sample_of_sales_re_priced_by_the_server_gives_the_stored_figures(chain):
    services, _, _ = chain
    program = services.program
    with services.db.session() as session:
        sales = session.scalars(select(PostedTransaction).where(PostedTransaction.kind == "sale")
                                .order_by(PostedTransaction.id)).all()
        discounted = 0
        for sale in random.Random(3).sample(sales, 60):
            lines = tuple(sale.body["lines"])
            priced = reprice_sale(session, sale.store_code, sale.at, sale.body["card_number"], lines, (),
                                  program).priced
            assert {ln.line_id: ln.total for ln in priced.lines} == {ln["line_id"]: ln["paid_minor"] for ln in lines}
            assert {(ln.line_id, d.promotion_id, d.amount) for ln in priced.lines for d in ln.discounts} == {
                (ln["line_id"], d["promotion_id"], d["amount_minor"]) for ln in lines for d in ln["discounts"]}
            discounted += any(ln["discounts"] for ln in lines)
            if sale.member_id is not None:
                points_tender = sum(t["amount_minor"] for t in sale.body["tenders"] if t["kind"] == "points")
                member = session.get(Member, sale.member_id)
                earning = compute_earning([SaleLine(ln["line_id"], ln["paid_minor"], ln["qty"], ln["category"],
                                                    ln["excluded"] or ln["category"] in program.excluded_categories)
                                           for ln in lines], program.earning, tier=member.tier,
                                          points_tender_minor=points_tender)
                bonus = sum(award.points for award in priced.bonus)
                assert sale.points_earned == earning.points + bonus
        assert discounted > 0


def test_held_out_members_never_got_a_targeted_offer(chain):
    services, _, _ = chain
    with services.db.session() as session:
        targeted = {str(v.promotion_id): v.definition["targeting"]["holdout_bp"]
                    for v in session.scalars(select(PromotionVersion)) if v.definition["targeting"]["holdout_bp"]}
        given = session.execute(select(SaleDiscount.promotion_id, SaleDiscount.member_id)
                                .where(SaleDiscount.promotion_id.in_(targeted))).all()
    assert len(targeted) == 2 and given
    for promotion_id, member_id in given:
        digest = hashlib.sha256(f"{promotion_id}\x1f{member_id}".encode()).digest()
        assert int.from_bytes(digest[:8], "big") % 10_000 >= targeted[promotion_id]


def test_the_roll_up_job_and_the_reports_take_the_seeded_chain(chain):
    services, client, written = chain
    applied = run_rollups()
    assert applied["rollup-sales"] == written["sales"] + written["returns"]
    make_staff(services, "hanna", "hq")
    hq = login(client, "hanna")
    with services.db.session() as session:
        raw = sum(session.scalars(select(PostedTransaction.total_minor).where(PostedTransaction.kind == "sale")))
        targeted = [str(v.promotion_id) for v in session.scalars(select(PromotionVersion))
                    if v.definition["targeting"]["holdout_bp"]]
    span = "/api/v1/reports/sales?from=2025-01-01&to=2026-06-01"
    rows = client.get(f"{span}&limit=10000", headers=hq).json["rows"]
    assert sum(r["sales_minor"] for r in rows) == raw and len(rows) > 1000  # more than one page by default
    pages, cursor = [], None
    while cursor or not pages:
        page = client.get(span + (f"&cursor={cursor}" if cursor else ""), headers=hq).json
        pages, cursor = [*pages, page["rows"]], page["next_cursor"]
    assert [row for page in pages for row in page] == rows and len(pages) == -(-len(rows) // 1000)
    months = client.get(f"{span}&period=month", headers=hq).json["rows"]
    assert sum(r["sales_minor"] for r in months) == raw and len(months) < 1000
    with services.db.session() as session:
        summed = session.execute(select(CategoryDay.day, CategoryDay.category, CategoryDay.member,
                                        func.sum(CategoryDay.lines), func.sum(CategoryDay.qty),
                                        func.sum(CategoryDay.amount_minor))
                                 .group_by(CategoryDay.day, CategoryDay.category, CategoryDay.member)).all()
        chain_rows = session.execute(select(ChainCategoryDay.day, ChainCategoryDay.category, ChainCategoryDay.member,
                                            ChainCategoryDay.lines, ChainCategoryDay.qty,
                                            ChainCategoryDay.amount_minor)).all()
    assert sorted(map(tuple, chain_rows)) == sorted(map(tuple, summed)) and len(chain_rows) > 1000
    span = "from=2025-04-01&to=2026-05-31"
    for path in (f"sales-by-category?{span}", f"points?{span}&period=month", "liability", "breakage",
                 f"cross-store?{span}", f"tiers?{span}", "churn-risk"):
        assert client.get(f"/api/v1/reports/{path}", headers=hq).status_code == 200, path
    reports = [client.get(f"/api/v1/reports/promotions/{pid}", headers=hq).json for pid in targeted]
    for report in reports:
        assert report["held_out"]["members"] > 0 and report["treated"]["members"] > report["held_out"]["members"]
    assert sum(report["discounted_sales"] for report in reports) > 0  # ten gold members may buy no wine


def fingerprint(url: str) -> dict[str, list[tuple]]:
    tables = ("transactions", "sale_discounts", "promotion_uses", "ledger_entries", "member_balances")
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        return {table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables}


def test_the_rows_are_the_same_whether_sales_are_priced_in_worker_processes_or_not(postgres_database):
    small = Size(stores=2, tills=2, members=60, days=120, sales=600, products=120)
    made = []
    for workers in (0, 2):
        postgres_database.reset()
        written = seed(postgres_database.url, small, END, seed_value=11, quiet=True, workers=workers)
        made.append(({k: v for k, v in written.items() if k != "seconds"}, fingerprint(postgres_database.url)))
    (counts, rows), (counts_pooled, rows_pooled) = made
    assert counts == counts_pooled and counts["sales"] == 600
    assert rows["transactions"] and rows["ledger_entries"] and rows["member_balances"]
    assert rows == rows_pooled
