"""The offer the notice tests announce: chips 30 % off for members at store B2, with a notice."""

from __future__ import annotations

from tests.integration.pricing.conftest import scope

SNACKS = {"kind": "percent_off", "percent_bp": 3000, "scope": scope(categories=["snacks"])}
WINDOW = {"start": "2026-03-14T00:00:00+00:00", "end": "2026-03-21T00:00:00+00:00"}
NOTICE = {"text": "Paprika chips 30 % off for you this week.", "channels": ["email", "sms"]}


def announce(promote, **extra) -> dict:
    return promote("Chips 30 % off", SNACKS, targeting={"members_only": True, **extra.pop("targeting", {})},
                   window=WINDOW, stores=["B2"], notice=NOTICE, **extra)
