"""The points a posted sale redeemed, as the server credits them: never more than an honest till could.

Online (a sale posted directly, the customer still at the lane) a redemption needs a live hold of
the same member, points and terminal, and must keep the redemption rules against the server's own
basket; otherwise the sale is refused and the till can fix it.

Settled (the till's journal, or a sale marked offline: the customer has left) the sale is never
refused. What is credited as redeemed is the most of the points tendered an honest till could have
taken: the points of a hold that backs the sale (placed by this terminal for this member and these
points, not released, and still live at the sale's time), or else the terminal's offline allowance
(the programme's offline cap per member and window, less what this terminal redeemed for the member
without a hold in the window before the sale); in whole steps, within the basket share of the
server's basket, and nothing below the minimum (``loyalty.redemption.max_redeemable``). The
points not credited are not taken from the member and are recorded as a reconciliation exception
naming the terminal; their value is the store's loss, for an admin to take up with the terminal.

A suspended terminal (``server.terminals``) is credited with no points at all: online its sale
with a points tender is refused; settled, the points are not taken from the member, and a hold
behind the sale is released at once rather than left to lapse.

A terminal's journal arrives in its order, so the offline redemptions it made before a sale have
been posted when that sale arrives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.exceptions import LoyaltyError
from loyalty.redemption import max_redeemable, plan_redemption
from server.membership.balances import KeptLedger
from server.membership.exceptions import ExceptionKind, TransactionRejected
from server.membership.holds import CONFIRMED, EXPIRED, RELEASED, live_hold
from server.membership.ledger import HELD, held_points
from server.membership.program import LoyaltyProgram
from server.models import Hold, PostedTransaction
from store_sync.transactions import TransactionKind


class Posting(Protocol):
    """The part of ``server.membership.posting.Posting`` this module uses."""

    command: object
    now: object

    def flag(self, kind: ExceptionKind, till: int | None, server: int | None, detail: str) -> None: ...


@dataclass(frozen=True)
class Redeemed:
    """Points credited as redeemed by a sale, and what they paid."""

    points: int = 0
    value_minor: int = 0


def credited_redemption(session: Session, posting: Posting, program: LoyaltyProgram, ledger: KeptLedger,
                        basket_minor: int, suspended: bool = False) -> Redeemed:
    """The points the sale's points tender is credited with (see the module docstring)."""
    command = posting.command
    claimed = command.points_tendered
    if not claimed:
        return Redeemed()
    if suspended:
        return _suspended(session, posting)
    member_id = uuid.UUID(ledger.account_id)
    if command.settled:
        redeemed = _settled(session, posting, program, member_id, basket_minor)
    else:
        redeemed = _online(session, posting, program, ledger, basket_minor)
    if command.points_tender_minor != redeemed.value_minor:
        posting.flag(ExceptionKind.POINTS_VALUE_DIFFERS, command.points_tender_minor, redeemed.value_minor,
                     f"terminal {_terminal(command)} counted the points tender as {command.points_tender_minor}; "
                     f"the {redeemed.points} points credited are worth {redeemed.value_minor}")
    return redeemed


def _online(session: Session, posting: Posting, program: LoyaltyProgram, ledger: KeptLedger,
            basket_minor: int) -> Redeemed:
    command, points = posting.command, posting.command.points_tendered
    if command.hold_id is None:
        raise TransactionRejected("hold-required", "an online sale redeems points against a hold it placed")
    hold = live_hold(session, command.hold_id, posting.now)
    if not _hold_matches(hold, command, uuid.UUID(ledger.account_id)):
        raise TransactionRejected("hold-mismatch", "the hold is for another member, terminal or amount")
    available = ledger.available(command.at) - held_points(session, hold.member_id, posting.now,
                                                                 excluding=hold.id)
    try:
        plan = plan_redemption(points, max(available, 0), basket_minor, program.redemption)
    except LoyaltyError as exc:
        raise TransactionRejected("redemption-refused", str(exc)) from None
    hold.status, hold.transaction_id = CONFIRMED, command.id
    return Redeemed(plan.points, plan.value_minor)


def _settled(session: Session, posting: Posting, program: LoyaltyProgram, member_id: uuid.UUID,
             basket_minor: int) -> Redeemed:
    command, claimed = posting.command, posting.command.points_tendered
    hold = _backing_hold(session, posting, member_id)
    if hold is not None:
        limit, why = hold.points, f"its hold of {hold.points} points"
    else:
        limit = offline_allowance(session, command, member_id, program)
        why = f"its offline allowance of {limit} points"
        if not command.offline:
            posting.flag(ExceptionKind.REDEMPTION_WITHOUT_HOLD, claimed, None,
                         f"terminal {_terminal(command)} sold online redeeming {claimed} points without a "
                         "usable hold: credited within its offline allowance")
    points = max_redeemable(min(claimed, limit), basket_minor, program.redemption)
    if hold is not None:
        hold.status, hold.transaction_id = CONFIRMED, command.id
    if points < claimed:
        posting.flag(ExceptionKind.REDEMPTION_NOT_CREDITED, claimed, points,
                     f"terminal {_terminal(command)} took {claimed} points; {points} are credited: "
                     f"{why}, in steps of {program.redemption.value.step_points}, at least "
                     f"{program.redemption.minimum_points}, at most {program.redemption.max_share} of "
                     f"the server's basket of {basket_minor}")
    return Redeemed(points, program.redemption.value.value_minor(points))


def _suspended(session: Session, posting: Posting) -> Redeemed:
    """Nothing: the terminal is suspended (its ``terminal-suspended`` exception names the points)."""
    command = posting.command
    if not command.settled:
        raise TransactionRejected("terminal-suspended", f"terminal {_terminal(command)} is suspended: "
                                  "it may not redeem points until an admin resumes it")
    hold = session.get(Hold, command.hold_id) if command.hold_id is not None else None
    if hold is not None and hold.status == HELD and _hold_matches(hold, command, hold.member_id):
        hold.status = RELEASED
    return Redeemed()


def _backing_hold(session: Session, posting: Posting, member_id: uuid.UUID) -> Hold | None:
    """The sale's hold if it backs the redemption; a hold that does not is flagged."""
    command = posting.command
    if command.hold_id is None:
        return None
    hold = session.get(Hold, command.hold_id)
    if (hold is not None and hold.status in (HELD, EXPIRED) and command.at < hold.expires_at
            and _hold_matches(hold, command, member_id)):
        return hold
    posting.flag(ExceptionKind.HOLD_NOT_USABLE, command.points_tendered, hold.points if hold else None,
                 f"the sale's hold {command.hold_id} was {hold.status if hold else 'unknown'} on arrival "
                 "or is not this sale's")
    return None


def _hold_matches(hold: Hold, command, member_id: uuid.UUID) -> bool:
    return (hold.member_id, hold.points, hold.store_code, hold.terminal_code) == (
        member_id, command.points_tendered, command.store, command.terminal)


def offline_allowance(session: Session, command, member_id: uuid.UUID, program: LoyaltyProgram) -> int:
    """The programme's offline cap less what this terminal redeemed for the member without a hold
    in the window before the sale."""
    backed = select(Hold.transaction_id).where(Hold.status == CONFIRMED, Hold.transaction_id.is_not(None))
    used = session.scalar(select(func.coalesce(func.sum(PostedTransaction.points_redeemed), 0)).where(
        PostedTransaction.kind == TransactionKind.SALE, PostedTransaction.member_id == member_id,
        PostedTransaction.store_code == command.store, PostedTransaction.terminal_code == command.terminal,
        PostedTransaction.at > command.at - program.offline_window, PostedTransaction.at <= command.at,
        PostedTransaction.id != command.id, PostedTransaction.id.not_in(backed)))
    return max(program.offline_cap_points - used, 0)


def _terminal(command) -> str:
    return f"{command.store}/{command.terminal}"
