"""The rewards a posted sale took with points, as the server credits them: the till's claim is checked,
never believed.

The server prices the claimed rewards itself (``server.pricing.repricing`` passes the claims to the
engine with the promotion versions the till had), so what a reward took off the lines and what it
costs are the server's figures. A claim the server's pricing refuses (unknown reward, not this
member's, over a limit, nothing in the basket to take it from) or a cost that is not the server's
makes the till's claim differ.

Online (a sale posted directly, the customer still at the lane) a differing claim is refused
(``reward-refused``), and so is a sale whose rewards cost more than the member has available
after other holds and the sale's own points tender (``reward-unaffordable``).

Settled (the till's journal, or offline: the customer has left) the sale is never refused. A
differing claim is recorded as a ``reward-differs`` exception. The server's reward points are
taken from the member when an honest till could have let them be: offline within the terminal's
offline allowance (``redemption_checks.offline_allowance``, which counts earlier rewards as it
counts earlier points tenders) less the points this sale's tender is credited with; completed
online, within the points the member had available. Otherwise none are taken and the sale is
recorded as a ``reward-not-credited`` exception naming the terminal: the reward's value is the
store's loss, as for a points tender not credited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from promotions import PricedBasket
from server.membership.balances import KeptLedger
from server.membership.exceptions import ExceptionKind, TransactionRejected
from server.membership.ledger import held_points
from server.membership.program import LoyaltyProgram
from server.membership.redemption_checks import Posting, Redeemed, offline_allowance


@dataclass(frozen=True)
class RewardsCredited:
    """The reward points a sale is credited with, and each reward as returns need it."""

    points: int = 0
    rewards: tuple[dict, ...] = ()  # {"reward_id", "times", "points", "line_discounts": {line_id: minor}}


def credited_rewards(session: Session, posting: Posting, program: LoyaltyProgram, ledger: KeptLedger,
                     priced: PricedBasket | None, redeemed: Redeemed) -> RewardsCredited:
    """The reward points the sale is credited with (see the module docstring)."""
    command = posting.command
    claims = command.message.rewards
    if not claims:
        return RewardsCredited()
    taken = priced.rewards if priced is not None else ()
    server_points = sum(reward.points for reward in taken)
    difference = _difference(command, priced)
    if not command.settled:
        if difference:
            raise TransactionRejected("reward-refused", difference)
        available = _available(session, posting, ledger) - redeemed.points
        if server_points > available:
            raise TransactionRejected("reward-unaffordable", f"the rewards cost {server_points} points; the member "
                                      f"has {max(available, 0)} to spend beside the points tender")
        return _credited(priced)
    if difference:
        posting.flag(ExceptionKind.REWARD_DIFFERS, command.message.reward_points, server_points,
                     f"terminal {_terminal(command)}: {difference}"[:1000])
    if not server_points:  # nothing the server prices as taken (or it could not price the sale)
        return RewardsCredited()
    limit, why = _settled_limit(session, posting, program, ledger, redeemed)
    if server_points > limit:
        posting.flag(ExceptionKind.REWARD_NOT_CREDITED, server_points, 0,
                     f"terminal {_terminal(command)} let the member take rewards worth {server_points} points "
                     f"beyond {why} ({limit}): none are taken from the member")
        return RewardsCredited()
    return _credited(priced)


def _difference(command, priced: PricedBasket | None) -> str:
    """What the till's claim says that the server's pricing does not ('' when they agree)."""
    if priced is None:
        return "the server could not price the sale's rewards"
    refused = "; ".join(f"reward {r.promotion_id} refused: {r.reason}" for r in priced.refused_rewards)
    if refused:
        return refused
    till = {r.reward_id: (r.times, r.points) for r in command.message.rewards}
    server = {r.promotion_id: (r.times, r.points) for r in priced.rewards}
    if till == server:
        return ""
    return "; ".join(f"reward {rid}: till {till.get(rid, (0, 0))[1]} points for {till.get(rid, (0, 0))[0]}, "
                     f"server {server.get(rid, (0, 0))[1]} for {server.get(rid, (0, 0))[0]}"
                     for rid in sorted(till.keys() | server.keys()) if till.get(rid) != server.get(rid))


def _available(session: Session, posting: Posting, ledger: KeptLedger) -> int:
    """Points the member may spend now: the balance available at the sale's time less every live
    hold (the sale's own hold backs its points tender, which the caller takes off)."""
    member_id = uuid.UUID(ledger.account_id)
    return ledger.available(posting.command.at) - held_points(session, member_id, posting.now)


def _settled_limit(session: Session, posting: Posting, program: LoyaltyProgram, ledger: KeptLedger,
                   redeemed: Redeemed) -> tuple[int, str]:
    command = posting.command
    if command.offline:
        allowance = offline_allowance(session, command, uuid.UUID(ledger.account_id), program)
        return max(allowance - redeemed.points, 0), "its offline allowance"
    return max(ledger.available(command.at) - redeemed.points, 0), "the points the member had"


def _credited(priced: PricedBasket) -> RewardsCredited:
    rewards = tuple(
        {"reward_id": r.promotion_id, "times": r.times, "points": r.points,
         "line_discounts": {line.line_id: d.amount for line in priced.lines for d in line.discounts
                            if d.promotion_id == r.promotion_id}}
        for r in priced.rewards)
    return RewardsCredited(sum(r["points"] for r in rewards), rewards)


def _terminal(command) -> str:
    return f"{command.store}/{command.terminal}"
