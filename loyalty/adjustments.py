"""Points added or removed by member service, always with a reason and an actor."""

from __future__ import annotations

from loyalty.commands import AdjustPoints
from loyalty.entries import Entry, EntryKind
from loyalty.exceptions import InvalidValue
from loyalty.expiry import ExpiryPolicy
from loyalty.ids import entry_id


def adjust(command: AdjustPoints, policy: ExpiryPolicy) -> Entry:
    """Return the adjust entry for `command` (it carries the reason and the actor the audit needs).

    Added points form a lot expiring by `policy` from the adjustment time; removed points come off
    the first-expiring lots (and may leave debt: apply with `allow_debt=True` if staff may do that).

    Raises:
        InvalidValue: zero points, or no reason or actor (every adjustment is audited).
    """
    if command.points == 0:
        raise InvalidValue("points", command.points, "an adjustment changes something")
    if not command.reason.strip() or not command.actor.strip():
        raise InvalidValue("reason", command.reason, "an adjustment needs a reason and an actor")
    return Entry(
        id=entry_id(command.adjustment_id, "adjust"),
        account_id=command.account_id,
        kind=EntryKind.ADJUST,
        points=command.points,
        at=command.at,
        expires_at=policy.expires_at(command.at) if command.points > 0 else None,
        source_id=command.adjustment_id,
        reason=command.reason,
        actor=command.actor,
    )
