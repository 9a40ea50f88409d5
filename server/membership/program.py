"""The chain's loyalty programme: the rules the server applies, built from settings.

The numbers are the defaults a mid-size grocery chain starts with; each is a setting so a chain
can change them without code. The pure `loyalty` package does the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

from loyalty.cards import CardNumberScheme
from loyalty.earning import EarningRules
from loyalty.expiry import ExpiryPolicy
from loyalty.money import PointValue
from loyalty.redemption import RedemptionPolicy
from loyalty.tiers import Basis, Tier, TierRules
from server.settings import Settings

DEFAULT_TIERS = (Tier("basic", 0), Tier("silver", 50_000), Tier("gold", 150_000))


@dataclass(frozen=True)
class LoyaltyProgram:
    card_scheme: CardNumberScheme
    earning: EarningRules
    expiry: ExpiryPolicy
    redemption: RedemptionPolicy
    tiers: TierRules
    hold_ttl: timedelta = timedelta(minutes=15)  # the one hold lifetime: holds expire by it, tills read it
    offline_cap_points: int = 2000
    offline_window: timedelta = timedelta(hours=24)
    offline_max_data_age: timedelta = timedelta(hours=12)
    member_cache: str = "all"  # which tills keep member snapshots: "all", "home" or "recent" (member_cache.py)
    member_cache_days: int = 90  # "recent": how long a store keeps a member after their last visit
    # A sale line the server cannot price earns on at most this much of the till's charges per sale.
    unknown_item_earn_cap_minor: int = 10_000
    # How far past the server's clock a sale's time may lie (till clocks drift a little).
    future_sale_tolerance: timedelta = timedelta(minutes=5)

    @property
    def excluded_categories(self) -> frozenset[str]:
        """Categories that earn no points (the earning rules hold them; `earns_no_points` applies them)."""
        return frozenset(self.earning.excluded_categories)

    @property
    def base_tier(self) -> str:
        return self.tiers.tiers[0].name


def program_from_settings(settings: Settings) -> LoyaltyProgram:
    unit_minor = 10**settings.currency_exponent
    return LoyaltyProgram(
        card_scheme=CardNumberScheme(settings.card_prefix),
        # 1 point per currency unit; gold members earn half as much again.
        earning=EarningRules(points_per_unit=1, unit_minor=unit_minor,
                             tier_multipliers={"silver": Fraction(5, 4), "gold": Fraction(3, 2)},
                             excluded_categories=frozenset({"tobacco", "gift-cards"})),
        expiry=ExpiryPolicy(months=settings.points_expiry_months),
        # 100 points pay one currency unit; at least 500 points; at most half the basket.
        redemption=RedemptionPolicy(value=PointValue(100, unit_minor), minimum_points=500,
                                    max_share=Fraction(1, 2)),
        tiers=TierRules(tiers=DEFAULT_TIERS, basis=Basis.SPEND, window=timedelta(days=365)),
        member_cache=settings.member_cache,
        member_cache_days=settings.member_cache_days,
        unknown_item_earn_cap_minor=settings.unknown_item_earn_cap_minor,
        future_sale_tolerance=timedelta(seconds=settings.sale_clock_tolerance_seconds),
    )
