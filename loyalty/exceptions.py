"""Errors of the loyalty domain.

Every error is a `LoyaltyError` and carries the data that explains it, so the API can map it to a
problem+json answer in one place and the till can show the cashier a reason.
"""

from __future__ import annotations

from typing import Any


class LoyaltyError(Exception):
    """Base class of every error raised by `loyalty`."""


class NaiveDatetime(LoyaltyError):
    """A datetime without a time zone was given where an instant is needed."""

    def __init__(self, what: str, value: Any) -> None:
        super().__init__(f"{what} must be timezone-aware, got {value!r}")
        self.what = what
        self.value = value


class NotAnInteger(LoyaltyError):
    """Money or points were given as something other than an int (a float, a Decimal, a bool)."""

    def __init__(self, what: str, value: Any) -> None:
        super().__init__(f"{what} must be an int, got {type(value).__name__} {value!r}")
        self.what = what
        self.value = value


class InvalidValue(LoyaltyError):
    """A value is out of its allowed range (negative amount, empty id, bad policy)."""

    def __init__(self, what: str, value: Any, reason: str) -> None:
        super().__init__(f"{what}={value!r}: {reason}")
        self.what = what
        self.value = value
        self.reason = reason


class InvalidCardNumber(LoyaltyError):
    """A code is not a card number of this chain."""

    def __init__(self, number: str, reason: str) -> None:
        super().__init__(f"invalid card number {number!r}: {reason}")
        self.number = number
        self.reason = reason


class CardNotUsable(LoyaltyError):
    """The card exists but its state forbids use (blocked, lost, replaced)."""

    def __init__(self, number: str, state: str) -> None:
        super().__init__(f"card {number} is {state}")
        self.number = number
        self.state = state


class IllegalCardTransition(LoyaltyError):
    """A card cannot move from one state to another (e.g. a replaced card cannot be unblocked)."""

    def __init__(self, number: str, from_state: str, to_state: str) -> None:
        super().__init__(f"card {number} cannot go from {from_state} to {to_state}")
        self.number = number
        self.from_state = from_state
        self.to_state = to_state


class InvalidPhone(LoyaltyError):
    """A phone number cannot be read as an E.164 number."""

    def __init__(self, phone: str, reason: str) -> None:
        super().__init__(f"invalid phone {phone!r}: {reason}")
        self.phone = phone
        self.reason = reason


class InvalidEmail(LoyaltyError):
    """An e-mail address is not of the form local@domain.tld."""

    def __init__(self, email: str, reason: str) -> None:
        super().__init__(f"invalid email {email!r}: {reason}")
        self.email = email
        self.reason = reason


class InvalidEntry(LoyaltyError):
    """A ledger entry breaks a rule of its kind (sign, expiry, target lot)."""

    def __init__(self, entry_id: Any, reason: str) -> None:
        super().__init__(f"invalid entry {entry_id}: {reason}")
        self.entry_id = entry_id
        self.reason = reason


class ConflictingEntry(LoyaltyError):
    """Two different entries carry the same id: the same source was posted with another body."""

    def __init__(self, entry_id: Any) -> None:
        super().__init__(f"entry {entry_id} was already applied with different content")
        self.entry_id = entry_id


class ForeignEntry(LoyaltyError):
    """An entry of another account was applied to this ledger."""

    def __init__(self, entry_id: Any, account_id: str, expected: str) -> None:
        super().__init__(f"entry {entry_id} belongs to {account_id}, not {expected}")
        self.entry_id = entry_id
        self.account_id = account_id
        self.expected = expected


class InsufficientPoints(LoyaltyError):
    """More points were requested than the account has available."""

    def __init__(self, available: int, requested: int) -> None:
        super().__init__(f"{requested} points requested, {available} available")
        self.available = available
        self.requested = requested


class RedemptionBelowMinimum(LoyaltyError):
    """Fewer points than the smallest allowed redemption."""

    def __init__(self, minimum: int, requested: int) -> None:
        super().__init__(f"at least {minimum} points must be redeemed, {requested} requested")
        self.minimum = minimum
        self.requested = requested


class RedemptionAboveMaximum(LoyaltyError):
    """More points than the basket allows to be paid with points."""

    def __init__(self, maximum: int, requested: int) -> None:
        super().__init__(f"at most {maximum} points can be redeemed here, {requested} requested")
        self.maximum = maximum
        self.requested = requested


class PointsNotMultipleOfStep(LoyaltyError):
    """Points are redeemed in whole steps (e.g. 100 points = 1.00) so no rounding creates money."""

    def __init__(self, points: int, step: int) -> None:
        super().__init__(f"{points} points is not a multiple of {step}")
        self.points = points
        self.step = step


class ReturnExceedsSale(LoyaltyError):
    """A return names more of a line than was sold and not yet returned, or an unknown line."""

    def __init__(self, line_id: str, sold: int, returned: int) -> None:
        super().__init__(f"line {line_id}: {returned} returned of {sold} sold")
        self.line_id = line_id
        self.sold = sold
        self.returned = returned


class MergeNotAllowed(LoyaltyError):
    """Two accounts cannot be merged (the same account, or one already merged away)."""

    def __init__(self, survivor_id: str, merged_id: str, reason: str) -> None:
        super().__init__(f"cannot merge {merged_id} into {survivor_id}: {reason}")
        self.survivor_id = survivor_id
        self.merged_id = merged_id
        self.reason = reason


class InvalidAmount(LoyaltyError):
    """Text typed as an amount of money cannot be read exactly in the chain's currency."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{text!r} is not an amount: {reason}")
        self.text = text
        self.reason = reason
