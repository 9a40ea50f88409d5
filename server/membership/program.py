"""The chain's loyalty programme as the server applies it: the version in force, plus settings.

The programme's rules (earning, redemption, tiers, expiry, offline limits) are versioned data in
``programme_versions`` (`server.membership.programme_versions`); the `ONECARD_*` settings that
used to hold them only seed a new database (`starter_body`). What stays a setting is what is not
marketing's programme: the card range, which tills cache which members, the unknown-item cap and
the clock tolerance. The pure `loyalty` package does the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from functools import cached_property

from loyalty.cards import CardNumberScheme
from loyalty.earning import EarningRules
from loyalty.expiry import ExpiryPolicy
from loyalty.programme import (
    EarningTerms,
    ExpiryTerms,
    OfflineTerms,
    Programme,
    ProgrammeVersion,
    RedemptionTerms,
    TierLevel,
    TierTerms,
    version_in_force,
)
from loyalty.programme_body import programme_body
from loyalty.redemption import RedemptionPolicy
from loyalty.tiers import TierRules
from server.clock import utcnow
from server.settings import Settings

# Version 1 is in force for every sale ever made, including those from before versions existed.
FIRST_EFFECTIVE = datetime(2000, 1, 1, tzinfo=UTC)


def starter_programme(points_expiry_months: int = 12, unit_minor: int = 100) -> Programme:
    """The programme a new database starts with (version 1): see `loyalty.programme`'s example."""
    return Programme(
        earning=EarningTerms(points=1, per_minor=unit_minor, excluded_categories=frozenset({"tobacco", "gift-cards"})),
        redemption=RedemptionTerms(value_points=100, value_minor=unit_minor, block_points=100, minimum_points=500,
                                   max_share=Fraction(1, 2)),
        tiers=TierTerms(levels=(TierLevel("basic", 0), TierLevel("silver", 500 * unit_minor, Fraction(5, 4)),
                                TierLevel("gold", 1500 * unit_minor, Fraction(3, 2)))),
        expiry=ExpiryTerms(after=points_expiry_months),
        offline=OfflineTerms(),
    )


def starter_body(settings: Settings) -> dict:
    """Version 1's body from the settings: ONECARD_POINTS_EXPIRY_MONTHS and the currency's minor unit."""
    return programme_body(starter_programme(settings.points_expiry_months, 10**settings.currency_exponent))


@dataclass(frozen=True)
class LoyaltyProgram:
    """The programme version in force (``version``), every version known, and the chain's settings.

    ``at`` and ``numbered`` give the same settings with another version: a sale is checked with the
    version in force at its time, an offline one with the version its till had.
    """

    card_scheme: CardNumberScheme
    version: ProgrammeVersion
    versions: tuple[ProgrammeVersion, ...] = ()
    member_cache: str = "all"  # which tills keep member snapshots: "all", "home" or "recent" (member_cache.py)
    member_cache_days: int = 90  # "recent": how long a store keeps a member after their last visit
    # A sale line the server cannot price earns on at most this much of the till's charges per sale.
    unknown_item_earn_cap_minor: int = 10_000
    # How far past the server's clock a sale's time may lie (till clocks drift a little).
    future_sale_tolerance: timedelta = timedelta(minutes=5)
    # Whose calendar expiry counts on when the programme says "store": the sale's store (posting sets it).
    store_zone: str = "UTC"

    def at(self, when: datetime) -> LoyaltyProgram:
        """The same, with the version in force at ``when``."""
        found = version_in_force(self.versions or (self.version,), when)
        return self if found.number == self.version.number else replace(self, version=found)

    def numbered(self, number: int | None) -> LoyaltyProgram | None:
        """The same, with version ``number``; None if no such version is known."""
        for found in self.versions or (self.version,):
            if found.number == number:
                return replace(self, version=found)
        return None

    @property
    def programme(self) -> Programme:
        return self.version.programme

    @cached_property
    def earning(self) -> EarningRules:
        return self.programme.earning_rules()

    @cached_property
    def redemption(self) -> RedemptionPolicy:
        return self.programme.redemption_policy()

    @cached_property
    def tiers(self) -> TierRules:
        return self.programme.tier_rules()

    @cached_property
    def expiry(self) -> ExpiryPolicy:
        """Expiry on the programme's calendar (``store_zone`` where it counts in the store's zone)."""
        return self.programme.expiry_policy(self.store_zone)

    @property
    def hold_ttl(self) -> timedelta:  # the one hold lifetime: holds expire by it, tills read it
        return self.programme.hold_ttl

    @property
    def offline_cap_points(self) -> int:
        return self.programme.offline.cap_points

    @property
    def offline_window(self) -> timedelta:
        return timedelta(hours=self.programme.offline.window_hours)

    @property
    def offline_max_data_age(self) -> timedelta:
        return timedelta(hours=self.programme.offline.max_data_age_hours)

    @property
    def excluded_categories(self) -> frozenset[str]:
        """Categories that earn no points (the earning rules hold them; `earns_no_points` applies them)."""
        return self.programme.earning.excluded_categories

    @property
    def base_tier(self) -> str:
        return self.programme.tiers.levels[0].name


def program_from_settings(settings: Settings, versions: tuple[ProgrammeVersion, ...] = (),
                          now: datetime | None = None) -> LoyaltyProgram:
    """The settings with ``versions`` (the one in force at ``now``); without versions, the
    programme a new database would start with."""
    versions = versions or (ProgrammeVersion(1, FIRST_EFFECTIVE, starter_programme(
        settings.points_expiry_months, 10**settings.currency_exponent)),)
    return LoyaltyProgram(
        card_scheme=CardNumberScheme(settings.card_prefix),
        version=version_in_force(versions, now or utcnow()),
        versions=versions,
        member_cache=settings.member_cache,
        member_cache_days=settings.member_cache_days,
        unknown_item_earn_cap_minor=settings.unknown_item_earn_cap_minor,
        future_sale_tolerance=timedelta(seconds=settings.sale_clock_tolerance_seconds),
    )
