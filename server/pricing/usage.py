"""What a posted sale used: a copy of every discount per line, coupon redemptions, usage limits.

Called by posting inside the sale's own transaction. Two sales racing for one single-use coupon
are serialised by the coupon's row lock (SQLite: by the write lock every transaction starts
with); two sales of one member racing for a per-member limit are serialised by the member lock
posting already holds. The loser is rejected when the till is online (it can still fix the sale)
and recorded as a reconciliation exception when it was offline (the sale already happened).
A code the sale reserved (``server.pricing.coupon_holds``) is confirmed; a single-use code another
till holds in a live reservation counts as taken. So with limited promotions
(``server.pricing.offer_holds``): the sale's own reservation is confirmed, and the member's other
live reservations of a promotion count as uses. Chain-wide caps count every sale, anonymous ones
too (``server.pricing.cap_holds``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from promotions import Period
from server.membership import batch_work
from server.membership.exceptions import ExceptionKind
from server.models import (
    CouponCode,
    CouponRedemption,
    PromotionUseRecord,
    PromotionVersion,
    SaleDiscount,
    Store,
)
from server.pricing.cap_holds import record_cap_uses
from server.pricing.catalogues import live_definitions
from server.pricing.coupon_holds import confirm_coupon, coupon_rule, held_elsewhere
from server.pricing.exceptions import UsageRejected
from server.pricing.offer_holds import confirm_offers
from server.pricing.offer_holds import held_elsewhere as offers_held_elsewhere
from server.pricing.quotes import usage_counts
from server.pricing.use_log import add_uses


class Posting(Protocol):
    """The part of ``server.membership.posting.Posting`` this module reads."""

    command: object
    now: datetime

    def flag(self, kind: ExceptionKind, till: int | None, server: int | None, detail: str) -> None: ...


def record_usage(session: Session, posting: Posting, member_id: uuid.UUID | None,
                 bonus_promotions: Iterable[str] = ()) -> None:
    """Keep the sale's discounts per line, count its coupons, and hold both to their limits.

    ``bonus_promotions`` are the promotions whose bonus points the server credits for the sale:
    they count towards a member's usage limits like discounts do.
    """
    command = posting.command
    rows = [_discount_row(command, line["line_id"], d, member_id)
            for line in command.lines for d in line.get("discounts", ())]
    writes = batch_work.pending(session)
    _keep(session, writes, SaleDiscount, rows, later=True)
    used = dict.fromkeys([*(row["promotion_id"] for row in rows), *bonus_promotions])
    reserved = confirm_offers(session, command.coupon_hold_id, used, command.at, command.id) if member_id else set()
    if member_id is not None and rows:
        _check_limits(session, posting, member_id, rows, reserved)
    if member_id is not None:
        # Online, the member's snapshot takes the uses from those the sale read (``use_log.add_uses``).
        noted = writes is None and add_uses(session, member_id, [(pid, command.id, command.at) for pid in used],
                                            posting.now)
        _keep(session, writes, PromotionUseRecord, [
            {"transaction_id": command.id, "promotion_id": pid, "member_id": member_id, "store_code": command.store,
             "at": command.at} for pid in used], later=noted)
    if member_id is not None and writes is not None:  # counted by usage_counts until they are written
        writes.uses[member_id] = (*writes.uses.get(member_id, ()), *((pid, command.id, command.at) for pid in used))
    record_cap_uses(session, posting, used)
    for code in dict.fromkeys(command.coupons):
        _redeem(session, posting, code, member_id, rows)
    if writes is None:  # a journal batch flushes its items' rows together
        session.flush()


def _keep(session: Session, writes: batch_work.BatchWork | None, model: type, rows: list[dict],
          later: bool = False) -> None:
    """Rows of the sale (column values) inserted now, or with ``later`` at the end of a sale posted
    online (``batch_work.insert_later``: its discounts, which nothing of the sale reads back, and
    its uses once its member's snapshot has them), or in a journal batch left waiting until its end:
    nothing in a batch reads them back but ``usage_counts``, which counts the waiting uses too
    (``BatchWork.uses``)."""
    if writes is None:  # inserted, never changed: no ORM objects to track
        if rows and not (later and batch_work.insert_later(session, model, rows)):
            session.execute(insert(model), rows)
        return
    for row in rows:
        writes.add(model, row)


def _discount_row(command, line_id: str, discount: dict, member_id: uuid.UUID | None) -> dict:
    """A ``SaleDiscount`` row's values."""
    return {"transaction_id": command.id, "line_id": line_id, "promotion_id": discount["promotion_id"],
            "version": discount["version"], "label": discount["label"], "amount_minor": discount["amount_minor"],
            "coupon_code": discount.get("coupon_code"), "member_id": member_id, "store_code": command.store,
            "at": command.at}


def _definitions(session: Session, rows: list[dict]) -> dict[str, dict]:
    """The definition of each promotion version the till applied (unknown ids are skipped); a
    version never changes, so the live ones come from the live catalogue and a journal batch reads
    each other one once for all its items."""
    found = {}
    for pid, version in {(r["promotion_id"], r["version"]) for r in rows}:
        definition = batch_work.read_once(session, ("promotion-version", pid, version),
                                          lambda pid=pid, version=version: _definition(session, pid, version))
        if definition is not None:
            found[pid] = definition
    return found


def _definition(session: Session, promotion_id: str, version: int) -> dict | None:
    live = live_definitions(session).get(promotion_id)
    if live is not None and live[0] == version:
        return live[1]
    try:
        row = session.get(PromotionVersion, (uuid.UUID(promotion_id), version))
    except ValueError:
        return None
    return None if row is None else row.definition


def _check_limits(session: Session, posting: Posting, member_id: uuid.UUID, rows: list[dict],
                  reserved: set[str]) -> None:
    command = posting.command
    limits = {pid: d["usage_limit"] for pid, d in _definitions(session, rows).items() if d["usage_limit"]}
    if not limits:
        return
    timezone = batch_work.read_once(session, ("store-timezone", command.store), lambda: session.scalar(
        select(Store.timezone).where(Store.code == command.store))) or "UTC"
    limited = [(pid, Period(limit["period"])) for pid, limit in limits.items()]
    used = usage_counts(session, member_id, limited, command.at, timezone, exclude_transaction=command.id)
    for pid, limit in sorted(limits.items()):
        # A promotion this sale reserved was checked then and held for it since.
        others = 0 if pid in reserved else offers_held_elsewhere(session, member_id, pid, command.coupon_hold_id,
                                                                  posting.now)
        taken = used.get(pid, 0) + others
        if taken >= limit["max_uses"]:
            held = f" and {others} reserved at other tills" if others else ""
            _refuse(posting, ExceptionKind.USAGE_LIMIT_REACHED, limit["max_uses"], taken,
                    f"promotion {pid} allows {limit['max_uses']} use(s) per member per {limit['period']}; "
                    f"this member had {used.get(pid, 0)}{held}")


def _redeem(session: Session, posting: Posting, code: str, member_id: uuid.UUID | None,
            rows: list[dict]) -> None:
    command = posting.command
    coupon = session.scalar(select(CouponCode).where(CouponCode.code == code).with_for_update())
    if coupon is None:
        posting.flag(ExceptionKind.UNKNOWN_COUPON, None, None, f"coupon {code} is not known to the server")
        return
    rule = _coupon_rule(session, coupon, rows)
    reserved = confirm_coupon(session, command.coupon_hold_id, code, command.at, command.id)
    # A code this sale reserved was checked when it was reserved and held for it since.
    others = 0 if reserved else held_elsewhere(session, code, command.coupon_hold_id, posting.now)
    if rule and rule["single_use"] and coupon.uses >= 1:
        _refuse(posting, ExceptionKind.COUPON_ALREADY_USED, None, coupon.uses, f"coupon {code} was already used")
    elif rule and rule["single_use"] and others:
        _refuse(posting, ExceptionKind.COUPON_HELD_ELSEWHERE, None, others,
                f"coupon {code} is reserved by another till")
    limit = rule and rule["per_member_limit"]
    if limit and member_id is not None:
        mine = session.scalar(select(func.count()).where(CouponRedemption.code == code,
                                                         CouponRedemption.member_id == member_id))
        if not reserved:
            mine += held_elsewhere(session, code, command.coupon_hold_id, posting.now, member_id)
        if mine >= limit:
            _refuse(posting, ExceptionKind.COUPON_MEMBER_LIMIT, limit, mine,
                    f"coupon {code} allows {limit} use(s) per member; this member had {mine}")
    coupon.uses += 1
    session.add(CouponRedemption(transaction_id=command.id, code=code, member_id=member_id, at=command.at))


def _coupon_rule(session: Session, coupon: CouponCode, rows: list[dict]) -> dict | None:
    """The coupon section of the version the till used (or the current one if it named none)."""
    version = next((r["version"] for r in rows if r["promotion_id"] == str(coupon.promotion_id)), None)
    return coupon_rule(session, coupon, version)


def _refuse(posting: Posting, reason: ExceptionKind, till: int | None, server: int | None, detail: str) -> None:
    if not posting.command.settled:
        raise UsageRejected(reason, detail)
    posting.flag(reason, till, server, f"sale already made at the till: {detail}")
