"""Roll-ups for the promotion report, added by the same job as the others (server/reports/rollups.py).

Figures, one home each:
* a member's spend on a UTC day is the total of their sales that day (returns not netted);
* a product's sales on a UTC day are its sale lines, at what they were paid, in the category the
  line carried;
* a promotion *discounted* a sale when any line of it carries one of its discounts; the discount
  is the sum of those discounts, as the sale kept them;
* a promotion *credited bonus points* in a sale when the member's ledger has a bonus entry for it
  (reason = the promotion id); the entry's points, by the UTC day of its time;
* a member's hold-out bucket for a promotion that holds members out in any of its versions is
  ``promotions.holdout``'s, taken in SQL (``holdout_buckets``) once per member and promotion.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite

from server.models import HoldoutBucket, Member, MemberDay, ProductDay, PromotionDay, PromotionMember, PromotionVersion
from server.reports.holdout_buckets import buckets
from server.reports.sums import Sums, add_to

SALE = "sale"
BONUS = "bonus"


def apply_promotion_sales(session, rows: Sequence) -> None:
    members = Sums(("member_id", "day"))
    products = Sums(("day", "sku", "category"))
    days = Sums(("promotion_id", "day", "member"))
    reached = Sums(("promotion_id", "member_id"))
    for _, kind, at, member_id, total, lines in rows:
        if kind != SALE:
            continue
        day = at.date()
        if member_id is not None:
            members.add((member_id, day), visits=1, amount_minor=total)
        discounts: dict[str, int] = {}
        for line in lines or ():
            products.add((day, line["sku"], line.get("category", "")), lines=1, qty=line["qty"],
                         amount_minor=line.get("paid_minor", 0))
            for d in line.get("discounts", ()):
                discounts[d["promotion_id"]] = discounts.get(d["promotion_id"], 0) + d["amount_minor"]
        for promotion_id, amount in discounts.items():
            given = dict(discounted_sales=1, discount_minor=amount, bonus_sales=0, bonus_points=0)
            days.add((promotion_id, day, member_id is not None), **given)
            if member_id is not None:
                reached.add((promotion_id, member_id), **given)
    add_to(session, MemberDay, members)
    add_to(session, ProductDay, products)
    add_to(session, PromotionDay, days)
    add_to(session, PromotionMember, reached)


def apply_promotion_points(session, rows: Sequence) -> None:
    days = Sums(("promotion_id", "day", "member"))
    reached = Sums(("promotion_id", "member_id"))
    for _, kind, points, at, member_id, reason in rows:
        if kind != BONUS or not reason:
            continue
        given = dict(discounted_sales=0, discount_minor=0, bonus_sales=1, bonus_points=points)
        days.add((reason, at.date(), True), **given)
        reached.add((reason, member_id), **given)
    add_to(session, PromotionDay, days)
    add_to(session, PromotionMember, reached)


def fill_holdout_buckets(db) -> int:
    """Bucket every member not bucketed yet, for each promotion that holds members out; returns the
    rows added. A member enrolled since the last run has no row until the next: the report hashes
    such members itself, so it never depends on this having run."""
    added = 0
    with db.session() as session:
        held_out = sorted({str(v.promotion_id) for v in session.scalars(select(PromotionVersion))
                           if v.definition["targeting"].get("holdout_bp")})
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        for promotion_id in held_out:
            missing = select(Member.id).where(~exists().where(HoldoutBucket.promotion_id == promotion_id,
                                                              HoldoutBucket.member_id == Member.id)).subquery()
            split = buckets(session, promotion_id, missing)
            # SQLite reads ON CONFLICT after an INSERT's SELECT only when the SELECT has a WHERE.
            rows = select(literal(promotion_id), split.c.id, split.c.bucket).where(true())
            # Counted from RETURNING: the driver reports no row count for this INSERT ... SELECT.
            added += len(session.execute(dialect.insert(HoldoutBucket).from_select(
                ["promotion_id", "member_id", "bucket"], rows).on_conflict_do_nothing()
                .returning(HoldoutBucket.bucket)).all())
        session.commit()
    return added
