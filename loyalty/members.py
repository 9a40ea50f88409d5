"""Members and their cards: profile values, consents, card states and lost-card replacement.

The balance belongs to the member's account, never to a card, so replacing a lost card moves no
points: the new card points at the same member and the old number is refused everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from loyalty.cards import CardState, require_usable_card
from loyalty.commands import ChangeCardState, ReplaceCard
from loyalty.contacts import normalize_email, normalize_phone
from loyalty.events import CardReplaced, CardStateChanged
from loyalty.exceptions import IllegalCardTransition, InvalidValue
from loyalty.guards import require_utc


@dataclass(frozen=True)
class Consents:
    """What the member agreed to; everything is off until they say yes."""

    marketing_email: bool = False
    marketing_sms: bool = False
    profiling: bool = False  # targeted offers from purchase history


@dataclass(frozen=True)
class MemberProfile:
    """Who a member is. Phone and e-mail are validated and normalised on construction.

    Attributes:
        member_id: the member's id (also the id of the points account).
        name: display name; empty after an erase.
        phone: E.164, e.g. "+442079460958", or None.
        email: normalised address or None.
        home_store: the store the member calls home.
        created_at_store: the store that enrolled the member.
        created_at: when the member was enrolled (UTC).
        merged_into: the surviving member's id once this one was merged away.
        erased: personal data removed; ledger totals stay for the books.
    """

    member_id: str
    name: str
    created_at: datetime
    phone: str | None = None
    email: str | None = None
    home_store: str | None = None
    created_at_store: str | None = None
    consents: Consents = Consents()
    merged_into: str | None = None
    erased: bool = False

    def __post_init__(self) -> None:
        if not self.member_id:
            raise InvalidValue("member_id", self.member_id, "must not be empty")
        object.__setattr__(self, "created_at", require_utc(self.created_at, "created_at"))
        if self.phone is not None:
            object.__setattr__(self, "phone", normalize_phone(self.phone))
        if self.email is not None:
            object.__setattr__(self, "email", normalize_email(self.email))

    @property
    def active(self) -> bool:
        """True unless merged away or erased."""
        return self.merged_into is None and not self.erased


def erase_profile(profile: MemberProfile) -> MemberProfile:
    """Return `profile` without personal data (name, phone, e-mail, consents)."""
    return replace(profile, name="", phone=None, email=None, consents=Consents(), erased=True)


def mark_merged(profile: MemberProfile, survivor_id: str) -> MemberProfile:
    """Return `profile` marked as merged into `survivor_id`."""
    return replace(profile, merged_into=survivor_id)


class CardKind(StrEnum):
    """How the card is carried; all kinds resolve to a card number and so to the member."""

    PRINTED = "printed"
    SMART = "smart"  # the chip's own identifier (chip_uid) is mapped to the card number
    DIGITAL = "digital"  # barcode or QR code on the member's phone


ALLOWED_TRANSITIONS: dict[CardState, frozenset[CardState]] = {
    CardState.ACTIVE: frozenset({CardState.BLOCKED, CardState.LOST, CardState.REPLACED}),
    CardState.BLOCKED: frozenset({CardState.ACTIVE, CardState.REPLACED}),
    # A lost card that turns up again may be reactivated, unless it was already replaced.
    CardState.LOST: frozenset({CardState.ACTIVE, CardState.REPLACED}),
    CardState.REPLACED: frozenset(),
}


@dataclass(frozen=True)
class Card:
    """A membership card: a number (validated by `CardNumberScheme`) pointing at a member."""

    number: str
    member_id: str
    kind: CardKind = CardKind.PRINTED
    state: CardState = CardState.ACTIVE
    chip_uid: str | None = None
    replaced_by: str | None = None

    def require_usable(self) -> Card:
        """Return the card if it may earn and redeem.

        Raises:
            CardNotUsable: the card is blocked, lost or replaced.
        """
        require_usable_card(self.number, self.state)
        return self


def change_card_state(card: Card, command: ChangeCardState) -> tuple[Card, CardStateChanged]:
    """Move `card` to `command.to_state` if the move is allowed.

    Raises:
        IllegalCardTransition: the move is not in `ALLOWED_TRANSITIONS`, or asks for REPLACED
            (use `replace_card`, which names the new card).
    """
    to_state = CardState(command.to_state)
    if to_state is CardState.REPLACED or to_state not in ALLOWED_TRANSITIONS[card.state]:
        raise IllegalCardTransition(card.number, card.state.value, to_state.value)
    changed = replace(card, state=to_state)
    event = CardStateChanged(
        card.number,
        card.member_id,
        card.state.value,
        to_state.value,
        command.at,
        command.reason,
        command.actor,
    )
    return changed, event


def replace_card(
    old: Card, command: ReplaceCard, kind: CardKind | None = None
) -> tuple[Card, Card, CardReplaced]:
    """Replace `old` (lost, blocked or damaged) by a new card for the same member.

    Returns:
        The old card (state REPLACED, pointing at the new number), the new active card, and the
        event. The balance stays with the member, so no ledger entry is needed.

    Raises:
        IllegalCardTransition: `old` was already replaced.
        InvalidValue: the new number is the old one.
    """
    if old.state is CardState.REPLACED:
        raise IllegalCardTransition(old.number, old.state.value, CardState.REPLACED.value)
    if command.new_number == old.number:
        raise InvalidValue("new_number", command.new_number, "must differ from the old number")
    retired = replace(old, state=CardState.REPLACED, replaced_by=command.new_number)
    new = Card(command.new_number, old.member_id, kind or old.kind)
    event = CardReplaced(old.number, new.number, old.member_id, command.at, command.reason, command.actor)
    return retired, new, event


def repoint_cards(cards: list[Card] | tuple[Card, ...], survivor_id: str) -> tuple[Card, ...]:
    """Return `cards` pointing at `survivor_id`, states kept (a merge re-points every card)."""
    return tuple(replace(card, member_id=survivor_id) for card in cards)
