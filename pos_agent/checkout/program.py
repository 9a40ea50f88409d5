"""The chain's loyalty rules as the till uses them, read from the cached ``program`` entity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from typing import Any

from loyalty.allowance import OfflinePolicy
from loyalty.cards import CardNumberScheme
from loyalty.earning import EarningRules
from loyalty.expiry import ExpiryPolicy
from loyalty.money import PointValue
from loyalty.redemption import RedemptionPolicy
from promotions import EarnConfig
from store_sync.entities import ProgramPayload


@dataclass(frozen=True)
class Program:
    currency: str
    card_scheme: CardNumberScheme
    earning: EarningRules
    redemption: RedemptionPolicy
    offline: OfflinePolicy
    expiry: ExpiryPolicy
    hold_ttl: timedelta  # how long the server keeps an online points hold

    @classmethod
    def from_payload(cls, raw: dict[str, Any]) -> Program:
        p = ProgramPayload().load(raw)
        return cls(
            currency=p["currency"],
            card_scheme=CardNumberScheme(p["card_prefix"]),
            earning=EarningRules(points_per_unit=p["points_per_unit"], unit_minor=p["unit_minor"],
                                 tier_multipliers={k: Fraction(v) for k, v in p["tier_multipliers"].items()},
                                 excluded_categories=frozenset(p["excluded_categories"])),
            redemption=RedemptionPolicy(value=PointValue(p["redeem_step_points"], p["redeem_step_minor"]),
                                        minimum_points=p["redeem_minimum_points"],
                                        max_share=Fraction(p["redeem_max_share"])),
            offline=OfflinePolicy(cap_points=p["offline_cap_points"],
                                  window=timedelta(hours=p["offline_window_hours"]),
                                  max_data_age=timedelta(hours=p["offline_max_data_age_hours"])),
            expiry=ExpiryPolicy(months=p["expiry_months"]),
            hold_ttl=timedelta(seconds=p["hold_ttl_seconds"]),
        )

    @property
    def earn_config(self) -> EarnConfig:
        return EarnConfig(self.earning.points_per_unit, self.earning.unit_minor)
