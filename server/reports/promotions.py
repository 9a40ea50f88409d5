"""Promotion performance from the roll-ups: what a promotion gave, the promoted items' sales before
and during it, and its incremental effect against the held-out members of its audience.

The window is the current version's (start, or the promotion's creation; end, or now), in whole
UTC days; "before" is the same number of days just before it. The audience is the members the
current targeting reaches as it stands now (tiers and segments as they are today), split by
``promotions.holdout`` into treated and held out. A member's spend is the total of their sales
over the window's days (0 for a member who bought nothing). The effect is the difference of the
two groups' mean spend, with a 95 % interval from the normal approximation to Welch's t (each
group's own variance); sums and means are exact (integers and Fractions), only the interval's
square root is a float, and money is rounded half up to the minor unit at the end.

A promotion with a notice also says how many members were told (their message in the outbox was
accepted by the mail server or gateway), how many of those bought anything over the window's days
(the member day roll-up), and how many messages still wait (quiet hours, the send rate).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from statistics import NormalDist

from sqlalchemy import BigInteger, Numeric, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from server.messaging.outbox import MessageStatus
from server.models import HoldoutBucket, MemberDay, MemberMessage, ProductDay, PromotionDay, PromotionMember
from server.pricing.segments import audience
from server.pricing.versions import get_promotion, get_version
from server.reports.holdout_buckets import bucket_of
from store_sync.promotion_definitions import to_promotion

Z95 = NormalDist().inv_cdf(0.975)
GIVEN = ("discounted_sales", "discount_minor", "bonus_sales", "bonus_points")


@dataclass(frozen=True)
class Group:
    """Spend of one group of the audience: members, and the exact sums of x and x squared."""

    members: int
    spenders: int
    total: int
    squares: int

    @property
    def mean(self) -> Fraction | None:
        return Fraction(self.total, self.members) if self.members else None

    @property
    def variance(self) -> Fraction | None:
        """The sample variance (n - 1), or None below two members."""
        if self.members < 2:
            return None
        return (self.squares - Fraction(self.total * self.total, self.members)) / (self.members - 1)

    def document(self) -> dict:
        return dict(members=self.members, spending_members=self.spenders, spend_minor=self.total,
                    spend_per_member_minor=None if self.mean is None else half_up(self.mean))


def half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def effect(treated: Group, held_out: Group) -> dict:
    """Treated less held-out spend per member, with its 95 % interval (None without two of each)."""
    if treated.variance is None or held_out.variance is None:
        return dict(difference_minor=None, ci95_low_minor=None, ci95_high_minor=None)
    difference = treated.mean - held_out.mean
    margin = Fraction(Z95 * math.sqrt(treated.variance / treated.members + held_out.variance / held_out.members))
    return dict(difference_minor=half_up(difference), ci95_low_minor=half_up(difference - margin),
                ci95_high_minor=half_up(difference + margin))


def promoted_items(rule: dict) -> tuple[set[str], set[str], bool]:
    """The skus and categories a rule applies to, and whether it covers the whole basket."""
    scopes = [c["scope"] for c in rule.get("components", ())]
    scopes += [rule[name] for name in ("scope", "buy_scope", "get_scope") if rule.get(name)]  # None: no scope
    skus = {s for scope in scopes for s in scope["skus"]} | {p["sku"] for p in rule.get("prices", ())}
    skus |= {rule["sku"]} if rule.get("sku") else set()  # a reward's free product
    categories = {c for scope in scopes for c in scope["categories"]}
    # A spend threshold saved before scopes existed counts the whole basket, as a reward's voucher does.
    whole = (rule["kind"] == "spend_threshold" and not scopes) or any(scope["whole_basket"] for scope in scopes)
    whole = whole or (rule["kind"] == "reward" and rule.get("reward") == "voucher")
    return skus, categories, whole


def _item_sales(session: Session, items: tuple[set[str], set[str], bool], first: date, last: date) -> dict:
    skus, categories, whole = items
    query = select(func.coalesce(func.sum(ProductDay.lines), 0), func.coalesce(func.sum(ProductDay.qty), 0),
                   func.coalesce(func.sum(ProductDay.amount_minor), 0)).where(ProductDay.day.between(first, last))
    if not whole:
        query = query.where(or_(ProductDay.sku.in_(skus), ProductDay.category.in_(categories)))
    lines, qty, amount = session.execute(query).one()
    return dict(first_day=first, last_day=last, lines=int(lines), qty=int(qty), sales_minor=int(amount))


def _given(session: Session, promotion_id: str) -> tuple[dict, list[dict]]:
    sums = [func.coalesce(func.sum(getattr(PromotionDay, name)), 0) for name in GIVEN]
    days = [dict(day=day, **dict(zip(GIVEN, map(int, figures), strict=True))) for day, *figures in session.execute(
        select(PromotionDay.day, *sums).where(PromotionDay.promotion_id == promotion_id)
        .group_by(PromotionDay.day).order_by(PromotionDay.day))]
    totals = {name: sum(d[name] for d in days) for name in GIVEN}
    totals["members_reached"] = session.scalar(select(func.count()).where(PromotionMember.promotion_id == promotion_id))
    return totals, days


def _groups(session: Session, promotion_id: str, targeting: dict, first: date, last: date) -> tuple[Group, Group]:
    """Both groups' sums: each audience member's spend (0 without sales) over the days, split by
    their hold-out bucket: the one the roll-up job kept (``HoldoutBucket``), or for a member it has
    not reached yet, computed in SQL (``holdout_buckets``).

    Two queries: the audience's members per group, then the spend of those who bought over the
    days (a few thousand rows, where the audience may be every member); members who bought
    nothing add nothing to the sums.
    """
    members = audience(targeting).subquery()
    share = targeting.get("holdout_bp", 0)
    split, held = members, literal(False)
    if share > 0:
        split = members.outerjoin(HoldoutBucket, (HoldoutBucket.promotion_id == promotion_id)
                                  & (HoldoutBucket.member_id == members.c.id))
        # COALESCE stops at its first value, so only members without a kept bucket are hashed.
        held = func.coalesce(HoldoutBucket.bucket, bucket_of(session, promotion_id, members.c.id)) < share
    sizes = dict(session.execute(select(held.label("held"), func.count()).select_from(split).group_by(held)).all())
    spend = (select(MemberDay.member_id, func.sum(MemberDay.amount_minor).label("spend"))
             .where(MemberDay.day.between(first, last)).group_by(MemberDay.member_id).subquery())
    bought = (select(held.label("held"), cast(spend.c.spend, BigInteger).label("x"))
              .select_from(split.join(spend, spend.c.member_id == members.c.id)).subquery())
    sums = {h: (spenders, int(total), int(squares)) for h, spenders, total, squares in session.execute(
        select(bought.c.held, func.count().filter(bought.c.x != 0), func.sum(bought.c.x),
               func.sum(cast(bought.c.x, Numeric) * bought.c.x)).group_by(bought.c.held))}
    groups = {bool(h): Group(n, *sums.get(h, (0, 0, 0))) for h, n in sizes.items()}
    empty = Group(0, 0, 0, 0)
    return groups.get(False, empty), groups.get(True, empty)


def _notice(session: Session, promotion_id: uuid.UUID, definition: dict, first: date, last: date) -> dict | None:
    """Told, told and bought in the window, still waiting; None for a promotion without a notice."""
    if definition.get("notice") is None:
        return None
    mine = MemberMessage.promotion_id == promotion_id
    told = select(MemberMessage.member_id).where(mine, MemberMessage.status == MessageStatus.SENT.value)
    bought = select(func.count(func.distinct(MemberDay.member_id))).where(
        MemberDay.member_id.in_(told), MemberDay.day.between(first, last), MemberDay.visits > 0)
    waiting = select(func.count()).select_from(MemberMessage).where(mine,
                                                                    MemberMessage.status == MessageStatus.PENDING.value)
    return dict(channels=definition["notice"]["channels"],
                told=session.scalar(select(func.count()).select_from(told.subquery())),
                told_bought=session.scalar(bought), waiting=session.scalar(waiting))


def performance(session: Session, promotion_id: uuid.UUID, now: datetime) -> dict:
    """The promotion report; raises NotFound for an unknown promotion."""
    record = get_promotion(session, promotion_id)
    definition = get_version(session, promotion_id, record.current_version).definition
    pid = str(promotion_id)
    window = definition["window"]
    start = datetime.fromisoformat(window["start"]) if window["start"] else record.created_at
    end = min(datetime.fromisoformat(window["end"]), now) if window["end"] else now
    first, last = start.date(), max((end - timedelta(microseconds=1)).date(), start.date())
    span = (last - first).days + 1
    before = (first - timedelta(days=span), first - timedelta(days=1))
    totals, days = _given(session, pid)
    items = promoted_items(definition["rule"])
    targeting = definition["targeting"]
    report = dict(promotion_id=pid, label=definition["label"], version=record.current_version, state=record.state,
                  first_day=first, last_day=last, **totals, days=days,
                  promoted_items_before=_item_sales(session, items, *before),
                  promoted_items_during=_item_sales(session, items, first, last),
                  holdout_bp=targeting.get("holdout_bp", 0), treated=None, held_out=None,
                  difference_minor=None, ci95_low_minor=None, ci95_high_minor=None,
                  notice=_notice(session, promotion_id, definition, first, last))
    if to_promotion(pid, record.current_version, definition).targeting.needs_member:
        treated, held_out = _groups(session, pid, targeting, first, last)
        report.update(treated=treated.document(), held_out=held_out.document(), **effect(treated, held_out))
    return report
