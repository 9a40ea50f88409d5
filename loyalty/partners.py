"""Partner merchants (a cinema, a petrol station): points earned on their sales, and what each side owes.

A partner's terms are integers: ``points_per_unit`` points for every ``unit_minor`` of a sale
(floor per sale, like a till's sale); the partner pays the chain ``issue_price_per_100`` minor
units for every 100 points it issued, and the chain pays the partner ``redeem_value_per_100`` for
every 100 points a member spent there. Settlement sums the period's points first and rounds once
(floor), so splitting a period never pays a fraction twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from loyalty.exceptions import InvalidValue
from loyalty.guards import require_int, require_non_negative


@dataclass(frozen=True)
class PartnerTerms:
    points_per_unit: int
    unit_minor: int
    issue_price_per_100: int
    redeem_value_per_100: int

    def __post_init__(self) -> None:
        for name in ("points_per_unit", "issue_price_per_100", "redeem_value_per_100"):
            require_non_negative(getattr(self, name), name)
        require_int(self.unit_minor, "unit_minor")
        if self.unit_minor <= 0:
            raise InvalidValue("unit_minor", self.unit_minor, "must be positive")

    def points_for(self, amount_minor: int) -> int:
        """Points a sale of ``amount_minor`` at the partner earns (whole units only)."""
        require_non_negative(amount_minor, "amount_minor")
        return amount_minor // self.unit_minor * self.points_per_unit

    def value_of(self, points: int) -> int:
        """What ``points`` spent at the partner are worth to the member, in minor units (floor)."""
        require_non_negative(points, "points")
        return points * self.redeem_value_per_100 // 100


@dataclass(frozen=True)
class Settlement:
    """One partner's period: points issued and redeemed, and the money owed each way (minor units)."""

    points_issued: int
    points_redeemed: int
    partner_owes: int  # for the points it issued
    chain_owes: int  # for the points members spent there

    @property
    def net_to_chain(self) -> int:
        """Positive: the partner pays the chain; negative: the chain pays the partner."""
        return self.partner_owes - self.chain_owes


def settle(terms: PartnerTerms, points_issued: int, points_redeemed: int) -> Settlement:
    require_non_negative(points_issued, "points_issued")
    require_non_negative(points_redeemed, "points_redeemed")
    return Settlement(points_issued, points_redeemed, points_issued * terms.issue_price_per_100 // 100,
                      points_redeemed * terms.redeem_value_per_100 // 100)
