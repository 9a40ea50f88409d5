"""Publishing what tills need about members to the change feed, in the writer's own transaction.

Every act that changes a member's spendable points, tier or cards calls one of these before its
commit, so the feed and the database can never disagree about what happened.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.ledger import LedgerState
from loyalty.programme_body import programme_body
from server.membership.accounts import AccountSummary, account_summary
from server.membership.balances import KeptLedger
from server.membership.clipped import segments_and_clipped
from server.membership.ledger import held_points_of
from server.membership.member_cache import holdings, last_visits, member_stores, stores_holding
from server.membership.program import LoyaltyProgram, program_from_settings
from server.models import Card, ChangeRecord, Member, Store
from server.pricing.use_log import promotion_use_log, promotion_use_logs
from server.settings import Settings
from server.sync import record_change, record_changes
from store_sync.entities import Entity
from store_sync.feed import Op


def publish_member(session: Session, member_id: uuid.UUID, program: LoyaltyProgram | None,
                   now: datetime, state: LedgerState | KeptLedger | None = None,
                   visit: tuple[str, datetime] | None = None, held: int | None = None) -> None:
    """The member's tier, balance, segments, clipped offers and recent limited-offer uses, for offline
    decisions at any till.

    ``visit`` is the (store, instant) of a transaction being posted, not yet among the member's
    transactions. ``held``: the points the member's live holds reserve, when the caller has read
    them. A member merged away or erased is published as a delete (``program`` is then not needed).
    """
    member = session.get(Member, member_id)
    if member.merged_into or member.erased_at:
        withdraw_member(session, member_id, None, now)
        return
    summary = account_summary(session, member, program, now, state, held)
    record_changes(session, _changes(session, member, program, now, summary,
                                     promotion_use_log(session, member_id, now), visit), now=now)


def publish_members(session: Session, due: dict[uuid.UUID, tuple[LoyaltyProgram, tuple[str, datetime] | None]],
                    now: datetime) -> None:
    """``publish_member`` for each member in ``due`` (with its programme and visit), as a journal
    batch's end publishes them: their live holds and limited-offer uses read for all at once, and
    their snapshots logged with one statement."""
    ids = list(due)
    held, uses = held_points_of(session, ids, now), promotion_use_logs(session, ids, now)
    scopes = _recent_scopes(session, due, now)
    changes: list[dict] = []
    for member_id, (program, visit) in due.items():
        member = session.get(Member, member_id)
        if member.merged_into or member.erased_at:
            withdraw_member(session, member_id, None, now)
            continue
        summary = account_summary(session, member, program, now, held=held.get(member_id, 0))
        changes += _changes(session, member, program, now, summary, uses.get(member_id, []), visit,
                            scopes.get(member_id))
    record_changes(session, changes, now=now)


def _recent_scopes(session: Session, due: dict[uuid.UUID, tuple[LoyaltyProgram, tuple[str, datetime] | None]],
                   now: datetime) -> dict[uuid.UUID, tuple[dict[str, datetime], set[str | None]]]:
    """For the members published under ``recent``: their last visits and the scopes holding their
    snapshot, read for all of them with two statements instead of three per member."""
    recent = {member_id: program for member_id, (program, _) in due.items() if program.member_cache == "recent"}
    if not recent:
        return {}
    since = now - timedelta(days=max(program.member_cache_days for program in recent.values()))
    ids = list(recent)
    visits, held = last_visits(session, ids, since), holdings(session, ids)
    return {member_id: (visits.get(member_id, {}), held.get(member_id, set())) for member_id in ids}


def _changes(session: Session, member: Member, program: LoyaltyProgram, now: datetime, summary: AccountSummary,
             uses: list[dict[str, str]], visit: tuple[str, datetime] | None,
             scope: tuple[dict[str, datetime], set[str | None]] | None = None) -> list[dict]:
    """The member's snapshot for each store that keeps it (withdrawals, which come first, recorded here).
    ``scope``: the member's last visits and the scopes holding their snapshot, when read already
    (``_recent_scopes``)."""
    segments, clipped = segments_and_clipped(session, member.id)
    payload = {"id": str(member.id), "name": member.name, "tier": member.tier, "home_store": member.home_store,
               "balance": summary.balance, "available": summary.available, "debt": summary.debt,
               "taken_at": now.isoformat(), "segments": sorted(segments), "promotion_uses": uses,
               "clipped": sorted(clipped)}
    visited, holding = scope if scope is not None else (None, None)
    stores = member_stores(session, member, program, now, visit, visited)
    if program.member_cache == "recent":
        # Withdrawals first: a delete for every store (left from another setting) must not land
        # after the upserts it would cancel.
        withdraw_out_of_scope(session, member.id, stores, now, holding)
    return [{"entity_type": Entity.MEMBER, "entity_id": str(member.id), "op": Op.UPSERT, "store_code": store,
             "payload": payload} for store in stores]


def withdraw_out_of_scope(session: Session, member_id: uuid.UUID, stores: tuple[str | None, ...],
                          now: datetime, holding: set[str | None] | None = None) -> int:
    """Tell every store that holds the member's snapshot but is no longer in ``stores`` to forget it
    (``holding``: the scopes holding it, as ``holdings`` read them; read here when None)."""
    gone = (stores_holding(session, member_id) if holding is None else holding) - set(stores)
    for store in sorted(gone, key=str):
        withdraw_member(session, member_id, store, now)
    return len(gone)


def withdraw_member(session: Session, member_id: uuid.UUID, store_code: str | None, now: datetime) -> None:
    """Tell tills (of one store, or all) to forget a member's snapshot."""
    record_change(session, entity_type=Entity.MEMBER, entity_id=str(member_id), op=Op.DELETE, payload=None,
                  store_code=store_code, now=now)


def publish_card(session: Session, card: Card, now: datetime) -> None:
    """A card and its state: a block reaches every till through this."""
    record_change(session, entity_type=Entity.CARD, entity_id=card.number, op=Op.UPSERT, now=now,
                  payload={"number": card.number, "member_id": str(card.member_id), "state": card.state,
                           "chip_uid": card.chip_uid})


def publish_cards_of(session: Session, member_id: uuid.UUID, now: datetime) -> None:
    for card in session.scalars(select(Card).where(Card.member_id == member_id)):
        publish_card(session, card, now)


def publish_store(session: Session, store: Store, now: datetime) -> None:
    record_change(session, entity_type=Entity.STORE, entity_id=store.code, op=Op.UPSERT, now=now,
                  payload={"code": store.code, "name": store.name, "timezone": store.timezone,
                           "prices_include_tax": store.prices_include_tax, "receipt": dict(store.receipt or {})})


def program_payload(program: LoyaltyProgram, currency: str) -> dict:
    """The ``program`` entity: every version with its effective time (a till applies the one in
    force at a sale's time), and, for tills that predate versions, the one in force now as plain
    numbers."""
    redemption, earning = program.redemption, program.earning
    share = redemption.max_share
    return {
        "currency": currency, "card_prefix": program.card_scheme.prefix,
        "points_per_unit": earning.points_per_unit, "unit_minor": earning.unit_minor,
        "tier_multipliers": {tier: str(value) for tier, value in earning.tier_multipliers.items()},
        "excluded_categories": sorted(program.excluded_categories),
        "expiry_months": program.expiry.months or 0,
        "redeem_step_points": redemption.value.step_points, "redeem_step_minor": redemption.value.step_minor,
        "redeem_minimum_points": redemption.minimum_points,
        "redeem_max_share": f"{share.numerator}/{share.denominator}",
        "offline_cap_points": program.offline_cap_points,
        "offline_window_hours": int(program.offline_window.total_seconds() // 3600),
        "offline_max_data_age_hours": int(program.offline_max_data_age.total_seconds() // 3600),
        "hold_ttl_seconds": int(program.hold_ttl.total_seconds()),
        "versions": [{"number": v.number, "effective_from": v.effective_from.isoformat(),
                      "programme": programme_body(v.programme)} for v in program.versions or (program.version,)],
    }


def publish_program_if_changed(session: Session, program: LoyaltyProgram, currency: str, now: datetime) -> bool:
    """Publish the chain's loyalty rules unless the feed already carries exactly these."""
    payload = program_payload(program, currency)
    latest = session.scalar(select(ChangeRecord.payload).where(
        ChangeRecord.entity_type == Entity.PROGRAM.value, ChangeRecord.entity_id == "loyalty")
        .order_by(ChangeRecord.order_key.desc()).limit(1))
    if latest == payload:
        return False
    record_change(session, entity_type=Entity.PROGRAM, entity_id="loyalty", op=Op.UPSERT, payload=payload,
                  now=now)
    return True


def publish_programme(session: Session, settings: Settings, now: datetime) -> bool:
    """Publish every programme version in the database (in the caller's transaction)."""
    from server.membership.programme_versions import as_version, version_rows  # it calls this after a write

    versions = tuple(as_version(row) for row in version_rows(session))
    return publish_program_if_changed(session, program_from_settings(settings, versions, now), settings.currency, now)
