"""What an account holds right now: balance, spendable points, holds, debt."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from loyalty.ledger import LedgerState
from server.membership.balances import KeptFigures, KeptLedger, kept_figures
from server.membership.ledger import held_points
from server.membership.program import LoyaltyProgram
from server.models import Member


@dataclass(frozen=True)
class AccountSummary:
    member_id: str
    tier: str
    balance: int
    available: int
    held: int
    debt: int
    offline_cap_points: int
    offline_window_hours: int
    as_of: datetime


def account_summary(session: Session, member: Member, program: LoyaltyProgram,
                    now: datetime, state: LedgerState | KeptLedger | None = None,
                    held: int | None = None) -> AccountSummary:
    """``available`` is what may be redeemed now: alive lots, less debt, less live holds.

    Pass the member's ``state`` when the caller has just computed it (posting): no second read
    (a ``KeptLedger`` answers from its figures, without decoding its lots until one has expired).
    Otherwise the kept row's figures are read, not its open lots. ``held``: the points its live
    holds reserve, when the caller has read them (a journal batch's snapshots).
    """
    figures = (KeptFigures(state.balance, state.debt, state.available(now)) if state is not None
               else kept_figures(session, member.id, now))
    held = held_points(session, member.id, now) if held is None else held
    return summary_of(member.id, member.tier, program, now, figures, held)


def summary_of(member_id: uuid.UUID, tier: str, program: LoyaltyProgram, now: datetime, figures: KeptFigures,
               held: int) -> AccountSummary:
    """The summary of the member ``member_id`` of ``tier`` from figures and holds already read."""
    return AccountSummary(
        member_id=str(member_id), tier=tier, balance=figures.balance,
        available=max(0, figures.available - held), held=held, debt=figures.debt,
        offline_cap_points=program.offline_cap_points,
        offline_window_hours=int(program.offline_window.total_seconds() // 3600), as_of=now)
