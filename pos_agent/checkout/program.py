"""The chain's loyalty rules as the till uses them, read from the cached ``program`` entity.

The entity lists every programme version with its effective time; the till applies the version in
force at the sale's time (`loyalty.programme.version_in_force`), checked by the same
`loyalty.programme_body` the server uses, and names it in the sale it posts. An entity from a
server that predates versions carries one set of plain numbers, which is read as it always was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from loyalty.allowance import OfflinePolicy
from loyalty.cards import CardNumberScheme
from loyalty.currency import exponent_of
from loyalty.earning import EarningRules
from loyalty.expiry import ExpiryPolicy
from loyalty.money import PointValue
from loyalty.programme import ProgrammeVersion, version_in_force
from loyalty.programme_body import ProgrammeInvalid, programme_from_body
from loyalty.redemption import RedemptionPolicy
from promotions import EarnConfig
from store_sync.entities import ProgramPayload

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Program:
    currency: str
    card_scheme: CardNumberScheme
    earning: EarningRules
    redemption: RedemptionPolicy
    offline: OfflinePolicy
    expiry: ExpiryPolicy
    hold_ttl: timedelta  # how long the server keeps an online points hold
    version: int | None = None  # the programme version these rules are (None: a server without versions)
    # Tenders that may pay beside points; None (a server without versions): any.
    combinable_tenders: frozenset[str] | None = None

    @property
    def exponent(self) -> int:
        """The currency's minor-unit digits: how its amounts are written (JPY 0, BHD 3)."""
        return exponent_of(self.currency)

    def combines_with_points(self, kind: str) -> bool:
        return self.combinable_tenders is None or kind == "points" or kind in self.combinable_tenders

    @classmethod
    def from_payload(cls, raw: dict[str, Any], at: datetime | None = None, store_zone: str = "UTC") -> Program:
        """The rules in force at ``at`` (the newest version's effective time when None)."""
        p = ProgramPayload().load(raw)
        versions = programme_versions(p)
        if versions:
            chosen = version_in_force(versions, at or max(v.effective_from for v in versions))
            return cls.of_version(p["currency"], p["card_prefix"], chosen, store_zone)
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

    @classmethod
    def of_version(cls, currency: str, card_prefix: str, version: ProgrammeVersion, store_zone: str) -> Program:
        programme = version.programme
        return cls(currency=currency, card_scheme=CardNumberScheme(card_prefix),
                   earning=programme.earning_rules(), redemption=programme.redemption_policy(),
                   offline=programme.offline_policy(), expiry=programme.expiry_policy(store_zone),
                   hold_ttl=programme.hold_ttl, version=version.number,
                   combinable_tenders=programme.redemption.combinable_tenders)

    @property
    def earn_config(self) -> EarnConfig:
        return EarnConfig(self.earning.points_per_unit, self.earning.unit_minor)


def programme_versions(loaded: dict[str, Any]) -> list[ProgrammeVersion]:
    """The versions a loaded payload lists; one that fails the programme's checks is left out and
    logged (the till keeps selling under the others)."""
    found = []
    for entry in loaded.get("versions") or ():
        try:
            found.append(ProgrammeVersion(entry["number"], entry["effective_from"],
                                          programme_from_body(entry["programme"])))
        except ProgrammeInvalid as exc:
            log.error("programme version %s skipped: %s", entry["number"], exc)
    return found
