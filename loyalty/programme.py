"""The chain's loyalty programme as versioned data: what marketing owns, what every rule reads.

A `Programme` holds the base earning, exclusions, point value, redemption limits, tiers, expiry
and offline limits. It is data: the server stores each change as a new `ProgrammeVersion` with an
effective time, tills receive every version on the change feed, and both apply the version in
force at a sale's time (`version_in_force`). The rules themselves stay where they were
(`loyalty.earning`, `loyalty.redemption`, `loyalty.tiers`, `loyalty.expiry`, `loyalty.allowance`);
a programme only builds their inputs (`earning_rules`, `redemption_policy`, ...), so there is one
rule in one place whichever version is in force. `loyalty.programme_body` reads and checks the
JSON form.

Worked example (the programme every chain starts with, version 1): 1 point per 1.00 paid after
discounts and points, tobacco and gift cards earn nothing; 100 points pay 1.00, in blocks of 100,
at least 500 a sale, at most half the basket; basic / silver from 500.00 (x5/4) / gold from
1,500.00 (x3/2) spend over 365 days, reviewed quarterly; points expire 12 months after earning, at
the end of that month; offline a member may redeem 2,000 points per till and 24 hours from data at
most 12 hours old; an online hold lives 15 minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from loyalty.allowance import OfflinePolicy
from loyalty.earning import Basis as EarningBasis
from loyalty.earning import EarningRules
from loyalty.exceptions import InvalidValue
from loyalty.expiry import ExpiryPolicy
from loyalty.guards import require_utc
from loyalty.money import PointValue
from loyalty.redemption import RedemptionPolicy
from loyalty.tiers import Basis as TierBasis
from loyalty.tiers import Tier, TierRules

STORE_ZONE = "store"  # expiry counted on the calendar of the store where the points were earned


class ExpiryUnit(StrEnum):
    MONTHS = "months"
    DAYS = "days"
    NEVER = "never"


@dataclass(frozen=True)
class EarningTerms:
    """Base earning: `points` per `per_minor` paid (floored per sale), or points per unit of a product."""

    points: int = 1
    per_minor: int = 100
    unit_points: Mapping[str, int] = field(default_factory=dict)
    excluded_products: frozenset[str] = frozenset()
    excluded_categories: frozenset[str] = frozenset()
    category_multipliers: Mapping[str, Fraction] = field(default_factory=dict)
    basis: EarningBasis = EarningBasis.AFTER_POINTS


@dataclass(frozen=True)
class RedemptionTerms:
    """`value_points` points are worth `value_minor`; redeemed in blocks of `block_points`."""

    value_points: int = 100
    value_minor: int = 100
    block_points: int = 100
    minimum_points: int = 500
    max_share: Fraction = Fraction(1, 2)
    combinable_tenders: frozenset[str] = frozenset({"cash", "card", "voucher"})


@dataclass(frozen=True)
class TierLevel:
    name: str
    threshold: int
    multiplier: Fraction = Fraction(1)
    benefits: tuple[str, ...] = ()


@dataclass(frozen=True)
class TierTerms:
    """Tiers lowest first; `review_months` is the cadence of downgrade reviews (3: quarterly)."""

    levels: tuple[TierLevel, ...]
    basis: TierBasis = TierBasis.SPEND
    window_days: int = 365
    review_months: int = 3
    crossing_sale_earns_new_tier: bool = False


@dataclass(frozen=True)
class ExpiryTerms:
    unit: ExpiryUnit = ExpiryUnit.MONTHS
    after: int = 12
    month_end: bool = True
    time_zone: str = "UTC"  # an IANA zone, or STORE_ZONE


@dataclass(frozen=True)
class OfflineTerms:
    cap_points: int = 2000
    window_hours: int = 24
    hold_ttl_seconds: int = 900
    max_data_age_hours: int = 12


@dataclass(frozen=True)
class Programme:
    """One version's rules (see the module docstring); built by `loyalty.programme_body`."""

    earning: EarningTerms
    redemption: RedemptionTerms
    tiers: TierTerms
    expiry: ExpiryTerms
    offline: OfflineTerms

    def earning_rules(self) -> EarningRules:
        """The input of `loyalty.earning.compute_earning` under this programme."""
        e = self.earning
        return EarningRules(points_per_unit=e.points, unit_minor=e.per_minor,
                            category_multipliers=dict(e.category_multipliers),
                            tier_multipliers={t.name: t.multiplier for t in self.tiers.levels if t.multiplier != 1},
                            excluded_categories=e.excluded_categories, excluded_products=e.excluded_products,
                            unit_points=dict(e.unit_points), basis=e.basis)

    def redemption_policy(self) -> RedemptionPolicy:
        """The input of `loyalty.redemption`: a block of points and the exact money it pays."""
        r = self.redemption
        step_minor = r.block_points * r.value_minor // r.value_points
        return RedemptionPolicy(value=PointValue(r.block_points, step_minor), minimum_points=r.minimum_points,
                                max_share=r.max_share)

    def tier_rules(self) -> TierRules:
        t = self.tiers
        return TierRules(tiers=tuple(Tier(level.name, level.threshold) for level in t.levels), basis=t.basis,
                         window=timedelta(days=t.window_days))

    def expiry_policy(self, store_zone: str = "UTC") -> ExpiryPolicy:
        """The expiry of points earned in a store whose time zone is `store_zone`."""
        x = self.expiry
        zone = store_zone if x.time_zone == STORE_ZONE else x.time_zone
        if x.unit is ExpiryUnit.NEVER:
            return ExpiryPolicy(months=None, zone=zone)
        if x.unit is ExpiryUnit.DAYS:
            return ExpiryPolicy(months=None, days=x.after, month_end=x.month_end, zone=zone)
        return ExpiryPolicy(months=x.after, month_end=x.month_end, zone=zone)

    def offline_policy(self) -> OfflinePolicy:
        o = self.offline
        return OfflinePolicy(cap_points=o.cap_points, window=timedelta(hours=o.window_hours),
                             max_data_age=timedelta(hours=o.max_data_age_hours))

    @property
    def hold_ttl(self) -> timedelta:
        return timedelta(seconds=self.offline.hold_ttl_seconds)

    def tenders_combine(self, kinds: Iterable[str]) -> bool:
        """Return True if every other tender of a sale paid partly with points may be used with them."""
        return all(kind == "points" or kind in self.redemption.combinable_tenders for kind in kinds)


@dataclass(frozen=True)
class ProgrammeVersion:
    """A programme and the instant from which it is in force (UTC)."""

    number: int
    effective_from: datetime
    programme: Programme

    def __post_init__(self) -> None:
        object.__setattr__(self, "effective_from", require_utc(self.effective_from, "effective_from"))


def version_in_force(versions: Iterable[ProgrammeVersion], at: datetime) -> ProgrammeVersion:
    """Return the version in force at `at`: the latest effective at or before it (the higher number
    on a tie); before the first one, the first one.

    Raises:
        InvalidValue: there are no versions.

    Example:
        Version 1 from 2000-01-01 and version 2 from 1 June 2026 10:00 UTC: a sale at 09:59 that
        day is priced by version 1, one at 10:00 by version 2.
    """
    at = require_utc(at, "at")
    ordered = sorted(versions, key=lambda v: (v.effective_from, v.number))
    if not ordered:
        raise InvalidValue("versions", (), "a programme needs at least one version")
    in_force = [v for v in ordered if v.effective_from <= at]
    return in_force[-1] if in_force else ordered[0]
