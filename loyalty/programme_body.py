"""A programme's JSON form: read and checked field by field (`programme_from_body`), and written back.

The one check of a programme: the server runs it on every new version (a failure is a 422 naming
each field) and a till runs it on every version the feed brings. Nonsense it refuses, with the
reason per dotted field path: a negative count, a float, an amount of 0, more than one point per
minor unit or a multiplier above 10 (a sale's points must fit 32 bits), tier thresholds that do not
rise from 0, a point value whose block is not an exact number of minor units, a share of the
basket above one, an unknown time zone, an expiry of 0, a hold lifetime under a minute.

Example body (version 1):
    {"earning": {"points": 1, "per_amount_minor": 100, "unit_points": {},
                 "excluded_products": [], "excluded_categories": ["gift-cards", "tobacco"],
                 "category_multipliers": {}, "basis": "after_points"},
     "redemption": {"point_value": {"points": 100, "minor": 100}, "block_points": 100,
                    "minimum_points": 500, "max_share": "1/2",
                    "combinable_tenders": ["card", "cash", "voucher"]},
     "tiers": {"basis": "spend", "window_days": 365, "review_months": 3,
               "crossing_sale_earns_new_tier": false,
               "levels": [{"name": "basic", "threshold": 0, "multiplier": "1", "benefits": []}, ...]},
     "expiry": {"unit": "months", "after": 12, "month_end": true, "time_zone": "UTC"},
     "offline": {"cap_points": 2000, "window_hours": 24, "hold_ttl_seconds": 900,
                 "max_data_age_hours": 12}}
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from loyalty.earning import Basis as EarningBasis
from loyalty.exceptions import LoyaltyError
from loyalty.programme import (
    STORE_ZONE,
    EarningTerms,
    ExpiryTerms,
    ExpiryUnit,
    OfflineTerms,
    Programme,
    RedemptionTerms,
    TierLevel,
    TierTerms,
)
from loyalty.tiers import Basis as TierBasis

REVIEW_MONTHS = (1, 3, 6, 12)
# Bounds that keep a sale's points within a 32-bit count: at most one point per minor unit paid,
# 10,000 points per unit sold, and multipliers of at most 10 each.
MAX_UNIT_POINTS = 10_000
MAX_MULTIPLIER = 10
_MISSING = object()


class ProgrammeInvalid(LoyaltyError):
    """A programme body breaks its rules; `errors` maps each dotted field path to its reasons."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{path}: {', '.join(why)}" for path, why in sorted(errors.items())))
        self.errors = errors


class _Reader:
    """Reads fields of a JSON body, collecting every error instead of stopping at the first."""

    def __init__(self, body: Any) -> None:
        self.body, self.errors = body, {}

    def fail(self, path: str, reason: str) -> None:
        self.errors.setdefault(path, []).append(reason)

    def get(self, path: str) -> Any:
        value = self.body
        for key in path.split("."):
            value = value.get(key, _MISSING) if isinstance(value, Mapping) else _MISSING
        if value is _MISSING:
            self.fail(path, "missing")
        return value

    def int(self, path: str, low: int = 0, high: int | None = None) -> int:
        value = self.get(path)
        if value is _MISSING:
            return low
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, "must be a whole number")
        elif value < low or (high is not None and value > high):
            self.fail(path, f"must be at least {low}" + (f" and at most {high}" if high is not None else ""))
        else:
            return value
        return low

    def bool(self, path: str) -> bool:
        value = self.get(path)
        if value is not _MISSING and not isinstance(value, bool):
            self.fail(path, "must be true or false")
        return value is True

    def ratio(self, path: str, value: Any = _MISSING) -> Fraction:
        value = self.get(path) if value is _MISSING else value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return Fraction(value)
        if isinstance(value, str) and "." not in value and "e" not in value.lower():
            try:
                ratio = Fraction(value)
            except (ValueError, ZeroDivisionError):
                ratio = Fraction(-1)
            if ratio >= 0:
                return ratio
        if value is not _MISSING:
            self.fail(path, "must be a non-negative whole number or a fraction as text, e.g. '3/2'")
        return Fraction(1)

    def choice(self, path: str, enum: type) -> Any:
        value = self.get(path)
        try:
            return enum(value)
        except ValueError:
            if value is not _MISSING:
                self.fail(path, "must be one of " + ", ".join(member.value for member in enum))
            return next(iter(enum))

    def names(self, path: str) -> frozenset[str]:
        value = self.get(path)
        if value is _MISSING:
            return frozenset()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(path, "must be a list of non-empty names")
            return frozenset()
        if len(set(value)) != len(value):
            self.fail(path, "names must not repeat")
        return frozenset(value)

    def mapping(self, path: str) -> dict[str, Any]:
        value = self.get(path)
        if value is _MISSING:
            return {}
        if not isinstance(value, Mapping) or not all(isinstance(k, str) and k.strip() for k in value):
            self.fail(path, "must be an object keyed by non-empty names")
            return {}
        return dict(value)


def programme_from_body(body: Any) -> Programme:
    """Return the programme a JSON body describes.

    Raises:
        ProgrammeInvalid: with every field's reasons (see the module docstring).
    """
    if not isinstance(body, Mapping):
        raise ProgrammeInvalid({"_body": ["must be an object"]})
    read = _Reader(body)
    programme = Programme(_earning(read), _redemption(read), _tiers(read), _expiry(read), _offline(read))
    if read.errors:
        raise ProgrammeInvalid(read.errors)
    return programme


def _earning(read: _Reader) -> EarningTerms:
    unit_points = read.mapping("earning.unit_points")
    for sku, points in unit_points.items():
        if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= MAX_UNIT_POINTS:
            read.fail(f"earning.unit_points.{sku}", f"must be a whole number of points, 1 to {MAX_UNIT_POINTS}")
    multipliers = {name: _multiplier(read, f"earning.category_multipliers.{name}", value)
                   for name, value in read.mapping("earning.category_multipliers").items()}
    points, per_minor = read.int("earning.points"), read.int("earning.per_amount_minor", 1)
    if points > per_minor:
        read.fail("earning.points", "at most one point per minor unit paid")
    return EarningTerms(points=points, per_minor=per_minor,
                        unit_points=unit_points, excluded_products=read.names("earning.excluded_products"),
                        excluded_categories=read.names("earning.excluded_categories"),
                        category_multipliers=multipliers, basis=read.choice("earning.basis", EarningBasis))


def _redemption(read: _Reader) -> RedemptionTerms:
    terms = RedemptionTerms(
        value_points=read.int("redemption.point_value.points", 1),
        value_minor=read.int("redemption.point_value.minor", 1),
        block_points=read.int("redemption.block_points", 1), minimum_points=read.int("redemption.minimum_points"),
        max_share=read.ratio("redemption.max_share"), combinable_tenders=read.names("redemption.combinable_tenders"))
    if terms.block_points * terms.value_minor % terms.value_points:
        read.fail("redemption.block_points", f"a block of {terms.block_points} points must be worth a whole number "
                  f"of minor units at {terms.value_points} points = {terms.value_minor}")
    if terms.max_share > 1:
        read.fail("redemption.max_share", "points cannot pay more than the whole basket")
    if terms.minimum_points % terms.block_points:
        read.fail("redemption.minimum_points", f"must be a whole number of blocks of {terms.block_points}")
    if "points" in terms.combinable_tenders:
        read.fail("redemption.combinable_tenders", "list the other tenders; points always combine with points")
    return terms


def _tiers(read: _Reader) -> TierTerms:
    raw = read.get("tiers.levels")
    if raw is not _MISSING and (not isinstance(raw, list) or not raw):
        read.fail("tiers.levels", "must be a non-empty list of tiers, lowest first")
    levels = tuple(_level(read, i, level) for i, level in enumerate(raw if isinstance(raw, list) else []))
    thresholds = [level.threshold for level in levels]
    if levels and (thresholds[0] != 0 or thresholds != sorted(set(thresholds))):
        read.fail("tiers.levels", "thresholds must rise strictly from 0")
    if len({level.name for level in levels}) != len(levels):
        read.fail("tiers.levels", "tier names must not repeat")
    review = read.int("tiers.review_months", 1)
    if review not in REVIEW_MONTHS:
        read.fail("tiers.review_months", "must be one of " + ", ".join(map(str, REVIEW_MONTHS)))
    return TierTerms(levels=levels or (TierLevel("basic", 0),), basis=read.choice("tiers.basis", TierBasis),
                     window_days=read.int("tiers.window_days", 1, 3660), review_months=review,
                     crossing_sale_earns_new_tier=read.bool("tiers.crossing_sale_earns_new_tier"))


def _level(read: _Reader, i: int, raw: Any) -> TierLevel:
    path = f"tiers.levels.{i}"
    if not isinstance(raw, Mapping):
        read.fail(path, "must be an object")
        return TierLevel(f"#{i}", 0)
    sub = _Reader(raw)
    name, benefits = sub.get("name"), sub.get("benefits")
    if not isinstance(name, str) or not name.strip():
        sub.fail("name", "must be a non-empty name")
    if not isinstance(benefits, list) or not all(isinstance(b, str) and b.strip() for b in benefits):
        sub.fail("benefits", "must be a list of non-empty texts")
    level = TierLevel(name if isinstance(name, str) else f"#{i}", sub.int("threshold"), _multiplier(sub, "multiplier"),
                      tuple(benefits) if isinstance(benefits, list) else ())
    for field_name, reasons in sub.errors.items():
        read.errors[f"{path}.{field_name}"] = reasons
    return level


def _multiplier(read: _Reader, path: str, value: Any = _MISSING) -> Fraction:
    ratio = read.ratio(path, value)
    if ratio > MAX_MULTIPLIER:
        read.fail(path, f"must be at most {MAX_MULTIPLIER}")
    return ratio


def _expiry(read: _Reader) -> ExpiryTerms:
    unit = read.choice("expiry.unit", ExpiryUnit)
    after = read.int("expiry.after", 0, 36_500)
    if unit is not ExpiryUnit.NEVER and after < 1:
        read.fail("expiry.after", f"points must live at least one of {unit.value}; use unit 'never' for no expiry")
    zone = read.get("expiry.time_zone")
    if zone is not _MISSING and zone != STORE_ZONE and not _known_zone(zone):
        read.fail("expiry.time_zone", f"must be an IANA time zone such as Europe/Berlin, or '{STORE_ZONE}'")
    return ExpiryTerms(unit=unit, after=after, month_end=read.bool("expiry.month_end"),
                       time_zone=zone if isinstance(zone, str) else "UTC")


def _known_zone(zone: Any) -> bool:
    try:
        return isinstance(zone, str) and ZoneInfo(zone) is not None
    except (ValueError, KeyError, OSError):  # not found is a KeyError; a directory ("America") an OSError
        return False


def _offline(read: _Reader) -> OfflineTerms:
    return OfflineTerms(cap_points=read.int("offline.cap_points"),
                        window_hours=read.int("offline.window_hours", 1, 24 * 31),
                        hold_ttl_seconds=read.int("offline.hold_ttl_seconds", 60, 86_400),
                        max_data_age_hours=read.int("offline.max_data_age_hours", 1, 24 * 31))


def programme_body(programme: Programme) -> dict[str, Any]:
    """Return the JSON form of `programme`; `programme_from_body` reads it back to an equal one."""
    e, r, t, x, o = programme.earning, programme.redemption, programme.tiers, programme.expiry, programme.offline
    return {
        "earning": {"points": e.points, "per_amount_minor": e.per_minor,
                    "unit_points": dict(sorted(e.unit_points.items())),
                    "excluded_products": sorted(e.excluded_products),
                    "excluded_categories": sorted(e.excluded_categories),
                    "category_multipliers": {k: _text(v) for k, v in sorted(e.category_multipliers.items())},
                    "basis": e.basis.value},
        "redemption": {"point_value": {"points": r.value_points, "minor": r.value_minor},
                       "block_points": r.block_points, "minimum_points": r.minimum_points,
                       "max_share": _text(r.max_share), "combinable_tenders": sorted(r.combinable_tenders)},
        "tiers": {"basis": t.basis.value, "window_days": t.window_days, "review_months": t.review_months,
                  "crossing_sale_earns_new_tier": t.crossing_sale_earns_new_tier,
                  "levels": [{"name": lv.name, "threshold": lv.threshold, "multiplier": _text(lv.multiplier),
                              "benefits": list(lv.benefits)} for lv in t.levels]},
        "expiry": {"unit": x.unit.value, "after": x.after, "month_end": x.month_end, "time_zone": x.time_zone},
        "offline": {"cap_points": o.cap_points, "window_hours": o.window_hours,
                    "hold_ttl_seconds": o.hold_ttl_seconds, "max_data_age_hours": o.max_data_age_hours},
    }


def _text(ratio: Fraction) -> str:
    return str(ratio)  # "3/2", or "2" for a whole number
