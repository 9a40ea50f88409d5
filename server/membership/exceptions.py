"""Errors of posting a till's transaction, mapped to problem+json by the API."""

from __future__ import annotations

from enum import StrEnum

from server.exceptions import OneCardError


class ExceptionKind(StrEnum):
    """What a reconciliation exception says the server disagreed with (stored as its value)."""

    CARD_NOT_ACTIVE = "card-not-active"
    CHAIN_CAP_REACHED = "chain-cap-reached"
    COUPON_ALREADY_USED = "coupon-already-used"
    COUPON_HELD_ELSEWHERE = "coupon-held-elsewhere"
    COUPON_MEMBER_LIMIT = "coupon-member-limit"
    HOLD_NOT_USABLE = "hold-not-usable"
    NOT_PRICED = "not-priced"
    OVERSPEND = "overspend"
    POINTS_EARNED_DIFFERS = "points-earned-differs"
    POINTS_VALUE_DIFFERS = "points-value-differs"
    PRICE_DIFFERS = "price-differs"
    REDEMPTION_NOT_CREDITED = "redemption-not-credited"
    REDEMPTION_WITHOUT_HOLD = "redemption-without-hold"
    REWARD_DIFFERS = "reward-differs"
    REWARD_NOT_CREDITED = "reward-not-credited"
    SALE_TIME_IN_FUTURE = "sale-time-in-future"
    SALE_TIME_OLD = "sale-time-old"
    TAX_DIFFERS = "tax-differs"
    TENDERS_DO_NOT_MATCH = "tenders-do-not-match"
    TENDERS_NOT_COMBINABLE = "tenders-not-combinable"
    TERMINAL_SUSPENDED = "terminal-suspended"
    UNKNOWN_CARD = "unknown-card"
    UNKNOWN_COUPON = "unknown-coupon"
    UNKNOWN_ITEMS = "unknown-items"
    UNKNOWN_PROGRAMME_VERSION = "unknown-programme-version"
    USAGE_LIMIT_REACHED = "usage-limit-reached"


class TransactionRejected(OneCardError):
    """The transaction cannot be applied as posted; ``reason`` is a stable code for the till."""

    status = 422
    slug = "transaction-rejected"
    title = "Transaction rejected"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason
