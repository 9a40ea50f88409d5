"""Merging two accounts of one person.

Points move by transfer entries, one pair per lot: out of the merged-away account, aimed at the
lot, and into the survivor as a new lot with the SAME expiry, so a merge never extends or shortens
the life of a point. Lots already past expiry are expired first, not moved. Debt moves too: the
merged-away account is credited to zero and the survivor debited. Cards re-point to the survivor;
the merged-away member is marked, never deleted, so its history stays readable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from loyalty.commands import MergeAccounts
from loyalty.entries import Entry, EntryKind
from loyalty.events import AccountsMerged
from loyalty.exceptions import MergeNotAllowed
from loyalty.expiry import expire_due
from loyalty.ids import entry_id
from loyalty.ledger import LedgerState
from loyalty.members import Card, MemberProfile, mark_merged, repoint_cards


@dataclass(frozen=True)
class MergePlan:
    """Everything a merge changes; the server stores it in one transaction.

    Attributes:
        survivor_entries: to apply to the survivor's ledger (with allow_debt=True if debt moves).
        merged_entries: to apply to the merged-away ledger; they leave it at zero.
        merged_profile: the merged-away member, marked.
        cards: the merged-away member's cards, now pointing at the survivor.
        event: the audit record.
    """

    survivor_entries: tuple[Entry, ...]
    merged_entries: tuple[Entry, ...]
    merged_profile: MemberProfile
    cards: tuple[Card, ...]
    event: AccountsMerged


def merge_accounts(
    command: MergeAccounts,
    survivor: MemberProfile,
    merged: MemberProfile,
    merged_state: LedgerState,
    merged_cards: Sequence[Card] = (),
) -> MergePlan:
    """Plan the merge of `merged` into `survivor` (see the module docstring).

    Raises:
        MergeNotAllowed: the same member twice, a member already merged or erased, or profiles
            and state that do not match the command.
    """
    _check(command, survivor, merged, merged_state)
    out_entries = list(expire_due(merged_state, command.at))
    in_entries = []
    moving = [lot for lot in merged_state.open_lots() if lot.alive_at(command.at)]
    for lot in moving:
        out_entries.append(
            _transfer(
                command, command.merged_id, "transfer-out", -lot.remaining, lot.lot_id, lot_id=lot.lot_id
            )
        )
        in_entries.append(
            _transfer(
                command,
                command.survivor_id,
                "transfer-in",
                lot.remaining,
                lot.lot_id,
                expires_at=lot.expires_at,
            )
        )
    if merged_state.debt:
        out_entries.append(_transfer(command, command.merged_id, "debt-out", merged_state.debt))
        in_entries.append(_transfer(command, command.survivor_id, "debt-in", -merged_state.debt))
    moved = sum(lot.remaining for lot in moving)
    event = AccountsMerged(
        command.survivor_id,
        command.merged_id,
        command.merge_id,
        moved,
        merged_state.debt,
        command.at,
        command.reason,
        command.actor,
    )
    return MergePlan(
        survivor_entries=tuple(in_entries),
        merged_entries=tuple(out_entries),
        merged_profile=mark_merged(merged, command.survivor_id),
        cards=repoint_cards(merged_cards, command.survivor_id),
        event=event,
    )


def _check(
    command: MergeAccounts, survivor: MemberProfile, merged: MemberProfile, state: LedgerState
) -> None:
    def refuse(reason: str) -> MergeNotAllowed:
        return MergeNotAllowed(command.survivor_id, command.merged_id, reason)

    if command.survivor_id == command.merged_id:
        raise refuse("an account cannot merge into itself")
    if (survivor.member_id, merged.member_id) != (command.survivor_id, command.merged_id):
        raise refuse("the profiles are not the ones the command names")
    if state.account_id != command.merged_id:
        raise refuse("the ledger is not the merged-away account's")
    if not survivor.active or not merged.active:
        raise refuse("both members must be active (not merged away or erased)")


def _transfer(
    command: MergeAccounts,
    account_id: str,
    purpose: str,
    points: int,
    part: UUID | None = None,
    **lot: Any,
) -> Entry:
    return Entry(
        id=entry_id(command.merge_id, purpose, part),
        account_id=account_id,
        kind=EntryKind.TRANSFER,
        points=points,
        at=command.at,
        source_id=command.merge_id,
        reason=command.reason,
        actor=command.actor,
        **lot,
    )
