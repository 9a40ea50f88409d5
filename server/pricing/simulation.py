"""Simulating a promotion version on past baskets: had it been live over the last N weeks (up to 12).

Every sale posted in the period that the version could reach is priced twice by the engine
(``promotions.price_basket``): against the live catalogue without the promotion, and with this version
in it. A sale it cannot reach (``promotions.may_apply``: not eligible, no line in its scope, its coupon
code not shown) is counted without pricing, since the version would have given it nothing. The
differences are added up:
the sales it changed, the discount it gave (what those customers would have paid less, net of any
other promotion it pushed aside), the bonus points it gave, the members it reached, and the products
it took most off.

What is replayed, and what is assumed:

- each sale's lines as its till posted them (product, quantity, weight, a price its barcode carried),
  at today's shelf prices and categories; a line whose product the server no longer sells is left out
  (and counted); returns and voids are not replayed;
- the member's tier and segments as they are today (neither is kept per sale);
- the version's start and end dates are set aside (the question is "had it been live"); its days,
  hours, stores, targeting, hold-out and usage limit apply as a till would apply them, its uses counted
  within the replay; the other promotions' usage limits count no uses;
- a sale presents the coupon codes it posted, so a coupon promotion reaches only sales that showed
  one of its codes;
- the other promotions are those live now, each within its own window at the sale's time.

Small periods run in the request (``INLINE_SALES``); larger ones as a background job that reports
its progress between pages of sales (``GET /api/v1/jobs/{id}``). Either way the finished result is
kept against the version it replayed (``SimulationRun``, ``version_results``): a new version of the
promotion starts with none.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from loyalty.transactions import TransactionKind
from promotions import (
    Catalogue,
    EarnConfig,
    Member,
    PresentedCoupon,
    PricedBasket,
    PricingRequest,
    PromotionUse,
    Store,
    count_uses,
    may_apply,
    price_basket,
)
from server.exceptions import OneCardError
from server.jobs import JobView, report_progress
from server.membership.program import LoyaltyProgram
from server.models import CouponCode, PostedTransaction, Product, SegmentMember, SimulationRun, TaxClass
from server.models import Member as MemberRow
from server.models import Store as StoreRow
from server.pricing.catalogues import CATALOGUES, assemble, build
from server.pricing.definitions import to_promotion
from server.pricing.quotes import basket_line
from server.pricing.versions import get_promotion, get_version

MAX_WEEKS = 12
INLINE_SALES = 2_000  # a period with more sales than this runs as a background job
PAGE = 500  # sales read (and progress reported) at a time
TOP_LINES = 10

Sessions = Callable[[], AbstractContextManager[Session]]


class InvalidSimulation(OneCardError):
    status = 422
    slug = "invalid-simulation"
    title = "Invalid simulation"


@dataclass(frozen=True)
class TopLine:
    sku: str
    name: str
    discount_minor: int
    sales: int


@dataclass(frozen=True)
class SimulationResult:
    """What the version would have done over the period (money in minor units)."""

    promotion_id: str
    version: int
    weeks: int
    since: str  # ISO instants, UTC: the result travels as a job's JSON
    until: str
    sales: int  # sales replayed (those with at least one product still sold)
    member_sales: int  # of them, sales with a member card
    sales_affected: int  # sales the promotion gave something
    discount_minor: int  # what customers would have paid less
    points: int  # bonus points it would have given
    members_reached: int
    lines_left_out: int  # lines of products the server no longer sells
    top_lines: tuple[TopLine, ...] = ()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SimulationResult:
        return cls(**{**data, "top_lines": tuple(TopLine(**line) for line in data["top_lines"])})


@dataclass
class _Tally:
    promotion_id: str
    sales: int = 0
    member_sales: int = 0
    affected: int = 0
    discount: int = 0
    points: int = 0
    left_out: int = 0
    members: set[str] = field(default_factory=set)
    uses: dict[str, list[PromotionUse]] = field(default_factory=dict)
    by_sku: dict[str, list[int]] = field(default_factory=dict)  # sku -> [discount, sales]

    def count(self, member: Member | None) -> None:
        """A sale replayed, whatever the promotion did to it."""
        self.sales += 1
        self.member_sales += member is not None

    def add(self, sale_id: str, at: datetime, member: Member | None, without: PricedBasket,
            with_it: PricedBasket) -> None:
        self.count(member)
        if not any(a.promotion_id == self.promotion_id for a in with_it.applied):
            return
        self.affected += 1
        self.discount += without.total - with_it.total
        self.points += sum(b.points for b in with_it.bonus if b.promotion_id == self.promotion_id)
        if member is not None:
            self.members.add(member.member_id)
            self.uses.setdefault(member.member_id, []).append(PromotionUse(self.promotion_id, sale_id, at))
        for line in with_it.lines:
            taken = sum(d.amount for d in line.discounts if d.promotion_id == self.promotion_id)
            if taken:
                entry = self.by_sku.setdefault(line.sku, [0, 0])
                entry[0], entry[1] = entry[0] + taken, entry[1] + 1


@dataclass(frozen=True)
class _Catalogues:
    without: Catalogue
    with_it: Catalogue
    stores: dict[str, tuple[str, bool]]  # store code -> (time zone, prices include tax)


def simulation_period(until: datetime, weeks: int) -> tuple[datetime, datetime]:
    """The ``weeks`` whole weeks before ``until``."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidSimulation(f"weeks: choose from 1 to {MAX_WEEKS}", field="weeks")
    return until - timedelta(weeks=weeks), until


def count_sales(session: Session, since: datetime, until: datetime) -> int:
    return session.scalar(select(func.count()).select_from(PostedTransaction).where(
        PostedTransaction.kind == TransactionKind.SALE, PostedTransaction.at >= since,
        PostedTransaction.at < until)) or 0


def start_simulation(session: Session, sessions: Sessions, jobs, promotion_id: uuid.UUID, version: int,
                     weeks: int, until: datetime, program: LoyaltyProgram) -> SimulationResult | JobView:
    """Run the simulation now when the period is small, else queue it (``simulation_job``) and return the job.

    ``session`` must have written nothing: queueing ends its transaction.
    """
    get_version(session, promotion_id, version)
    since, until = simulation_period(until, weeks)
    if count_sales(session, since, until) <= INLINE_SALES:
        return simulate(sessions, promotion_id, version, weeks, until, program)
    # Only read so far: end the transaction, so the job's record (written in a transaction of its own)
    # does not wait behind it on SQLite, where every transaction takes the write lock.
    session.rollback()
    return jobs.enqueue(simulation_job, str(promotion_id), version, weeks, until.isoformat(), retries=0)


def simulation_job(promotion_id: str, version: int, weeks: int, until: str) -> dict:
    """The background job: the simulation's result as JSON."""
    from server.jobs.context import job_services

    services = job_services()
    return simulate(services.db.session, uuid.UUID(promotion_id), version, weeks, datetime.fromisoformat(until),
                    services.program).to_dict()


def simulate(sessions: Sessions, promotion_id: uuid.UUID, version: int, weeks: int, until: datetime,
             program: LoyaltyProgram) -> SimulationResult:
    """Replay the period's sales without and with the version (see the module docstring)."""
    since, until = simulation_period(until, weeks)
    with sessions() as session:
        catalogues = _catalogues(session, promotion_id, version)
        total = count_sales(session, since, until)
    tally = _Tally(str(promotion_id))
    earn = EarnConfig(program.earning.points_per_unit, program.earning.unit_minor)
    after: tuple[datetime, str] | None = None
    seen = 0
    while True:
        with sessions() as session:
            page = _page(session, since, until, after)
            if not page:
                break
            _replay(session, page, catalogues, tally, earn, program)
        after, seen = (page[-1].at, page[-1].id), seen + len(page)
        report_progress(seen, total, "sales replayed")
    result = _result(sessions, tally, promotion_id, version, weeks, since, until)
    with sessions() as session:
        keep_result(session, result)
        session.commit()
    return result


def keep_result(session: Session, result: SimulationResult) -> SimulationRun:
    """Keep ``result`` against the promotion version it replayed; the caller commits."""
    run = SimulationRun(promotion_id=uuid.UUID(result.promotion_id), version=result.version, weeks=result.weeks,
                        since=datetime.fromisoformat(result.since), until=datetime.fromisoformat(result.until),
                        result=result.to_dict())
    session.add(run)
    session.flush()
    return run


def version_results(session: Session, promotion_id: uuid.UUID, version: int | None = None) -> list[SimulationRun]:
    """The kept results of a promotion (of one version, when given), the latest period first."""
    stmt = select(SimulationRun).where(SimulationRun.promotion_id == promotion_id)
    if version is not None:
        stmt = stmt.where(SimulationRun.version == version)
    return list(session.scalars(stmt.order_by(SimulationRun.until.desc(), SimulationRun.id.desc())))


def _catalogues(session: Session, promotion_id: uuid.UUID, version: int) -> _Catalogues:
    record = get_promotion(session, promotion_id)
    definition = get_version(session, promotion_id, version).definition
    undated = {**definition, "window": {**definition["window"], "start": None, "end": None}}
    codes = session.scalars(select(CouponCode.code).where(CouponCode.promotion_id == record.id)).all()
    live = CATALOGUES.live(session)
    without = assemble([p for p in live.catalogue if p.promotion_id != str(promotion_id)], live.key)
    with_it = build(session, to_promotion(str(promotion_id), version, undated, codes))
    stores = {code: (zone, inclusive) for code, zone, inclusive in session.execute(
        select(StoreRow.code, StoreRow.timezone, StoreRow.prices_include_tax))}
    return _Catalogues(without.catalogue, with_it.catalogue, stores)


def _page(session: Session, since: datetime, until: datetime,
          after: tuple[datetime, str] | None) -> list[PostedTransaction]:
    stmt = (select(PostedTransaction).where(PostedTransaction.kind == TransactionKind.SALE,
                                            PostedTransaction.at >= since, PostedTransaction.at < until)
            .order_by(PostedTransaction.at, PostedTransaction.id).limit(PAGE))
    if after is not None:  # a row comparison, so the (at, id) index serves each page from where the last ended
        stmt = stmt.where(tuple_(PostedTransaction.at, PostedTransaction.id) > tuple_(*after))
    return list(session.scalars(stmt))


def _replay(session: Session, page: list[PostedTransaction], catalogues: _Catalogues, tally: _Tally,
            earn: EarnConfig, program: LoyaltyProgram) -> None:
    products = _products(session, page)
    members = _members(session, {sale.member_id for sale in page if sale.member_id is not None})
    for sale in page:
        request = _request(sale, products, members.get(str(sale.member_id)), catalogues, tally, earn, program)
        if request is None:
            continue
        if not may_apply(request, catalogues.with_it, tally.promotion_id):
            tally.count(request.member)
        else:
            tally.add(sale.id, sale.at, request.member, price_basket(request, catalogues.without),
                      price_basket(request, catalogues.with_it))


def _products(session: Session, page: list[PostedTransaction]) -> dict[str, tuple[Product, int]]:
    """The page's products by sku, each with its tax rate in basis points."""
    skus = {ln.get("sku") for sale in page for ln in sale.body.get("lines", ()) if ln.get("sku")}
    rows = session.execute(select(Product, TaxClass.rate_bp).outerjoin(TaxClass, TaxClass.code == Product.tax_class)
                           .where(Product.sku.in_(skus))).all()
    return {p.sku: (p, rate or 0) for p, rate in rows}  # ``standard`` without its row is untaxed


def _request(sale: PostedTransaction, products: dict[str, tuple[Product, int]], member: Member | None,
             catalogues: _Catalogues, tally: _Tally, earn: EarnConfig,
             program: LoyaltyProgram) -> PricingRequest | None:
    """The sale as the engine prices it now; None when none of its products is still sold (or its store is gone)."""
    store = catalogues.stores.get(sale.store_code)
    lines = []
    for ln in sale.body.get("lines", ()):
        product, rate_bp = products.get(ln.get("sku"), (None, 0))
        if product is None or not product.active:
            tally.left_out += 1
        else:
            lines.append(basket_line(ln["line_id"], product, ln, program, rate_bp))
    if store is None or not lines:
        return None
    zone, prices_include_tax = store
    simulated = catalogues.with_it.get(tally.promotion_id)
    if member is not None and simulated is not None and simulated.usage_limit is not None:
        uses = count_uses(tally.uses.get(member.member_id, ()), catalogues.with_it, sale.at, ZoneInfo(zone))
        member = Member(member.member_id, member.tier, member.segments, uses)
    coupons = tuple(PresentedCoupon(code) for code in dict.fromkeys(sale.body.get("coupons") or ()))
    return PricingRequest(lines=tuple(lines), store=Store(sale.store_code, zone, prices_include_tax), at=sale.at,
                          member=member, coupons=coupons, earn=earn)


def _members(session: Session, ids: set[uuid.UUID]) -> dict[str, Member]:
    """Each member as pricing sees them today: tier and segments."""
    if not ids:
        return {}
    segments: dict[uuid.UUID, set[str]] = {}
    for segment_id, member_id in session.execute(select(SegmentMember.segment_id, SegmentMember.member_id)
                                                 .where(SegmentMember.member_id.in_(ids))):
        segments.setdefault(member_id, set()).add(str(segment_id))
    return {str(mid): Member(str(mid), tier, frozenset(segments.get(mid, ())))
            for mid, tier in session.execute(select(MemberRow.id, MemberRow.tier).where(MemberRow.id.in_(ids)))}


def _result(sessions: Sessions, tally: _Tally, promotion_id: uuid.UUID, version: int, weeks: int,
            since: datetime, until: datetime) -> SimulationResult:
    ranked = sorted(tally.by_sku.items(), key=lambda item: (-item[1][0], item[0]))[:TOP_LINES]
    with sessions() as session:
        names = dict(session.execute(select(Product.sku, Product.name)
                                     .where(Product.sku.in_([sku for sku, _ in ranked]))).all())
    top = tuple(TopLine(sku, names.get(sku, sku), discount, sales) for sku, (discount, sales) in ranked)
    return SimulationResult(str(promotion_id), version, weeks, since.isoformat(), until.isoformat(), tally.sales,
                            tally.member_sales, tally.affected, tally.discount, tally.points, len(tally.members),
                            tally.left_out, top)
