"""A programme version in plain words, item by item, and what changes between two versions.

``describe`` names each thing a programme decides ("Point value", "Tier gold") and says it in the
chain's money and in points; ``changes`` compares two descriptions, so a summary of a change reads
exactly like the descriptions of the two versions it compares.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from admin_ui.programme_form import ratio_text, share_text

Money = Callable[[int], str]  # minor units -> '€1.00'


def describe(body: dict, money: Money) -> dict[str, str]:
    """Each thing the programme decides, by name, in words (ordered as the form shows them)."""
    return {**_earning(body["earning"], money), **_redemption(body["redemption"], money),
            **_tiers(body["tiers"], money), **_expiry(body["expiry"]), **_offline(body["offline"])}


def changes(before: dict, after: dict, money: Money) -> list[str]:
    """What ``after`` changes from ``before``, one sentence per item; [] when they are the same."""
    old, new = describe(before, money), describe(after, money)
    found = []
    for name in [*new, *(n for n in old if n not in new)]:
        if name not in old:
            found.append(f"{name}: added, {new[name]}")
        elif name not in new:
            found.append(f"{name}: removed (was {old[name]})")
        elif old[name] != new[name]:
            found.append(f"{name}: {old[name]} → {new[name]}")
    return found


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _listed(names: list[str]) -> str:
    return ", ".join(sorted(names)) if names else "none"  # a set: the order it was typed in says nothing


def _earning(e: dict, money: Money) -> dict[str, str]:
    basis = ("after discounts, less what points paid" if e["basis"] == "after_points"
             else "after discounts, the points tender earning as money would")
    found = {"Base earning": f"{_plural(e['points'], 'point')} per {money(e['per_amount_minor'])} paid, "
                             "rounded down per sale",
             "Points are counted on": f"what the lines cost {basis}",
             "Categories that earn no points": _listed(e["excluded_categories"]),
             "Products that earn no points": _listed(e["excluded_products"])}
    found |= {f"Points per unit of {sku}": _plural(points, "point") for sku, points in e["unit_points"].items()}
    found |= {f"Multiplier on {name}": f"×{ratio_text(Fraction(value))}"
              for name, value in e["category_multipliers"].items()}
    return found


def _redemption(r: dict, money: Money) -> dict[str, str]:
    value = r["point_value"]
    return {"Point value": f"{_plural(value['points'], 'point')} pay {money(value['minor'])}",
            "Points are redeemed in blocks of": _plural(r["block_points"], "point"),
            "Least a sale may redeem": _plural(r["minimum_points"], "point"),
            "Most of a basket points may pay": _share(Fraction(r["max_share"])),
            "Tenders that may pay beside points": _listed(r["combinable_tenders"])}


def _share(ratio: Fraction) -> str:
    text = share_text(ratio)
    return f"{text} %" if "/" not in text else f"{text} of the basket"


def _tiers(t: dict, money: Money) -> dict[str, str]:
    spend = t["basis"] == "spend"
    found = {"Tiers count": f"{'money spent' if spend else 'points earned'} over the last "
                            f"{_plural(t['window_days'], 'day')}",
             "Tiers are reviewed": f"every {_plural(t['review_months'], 'month')}",
             "A sale that crosses a threshold": "earns at the new tier" if t["crossing_sale_earns_new_tier"]
             else "earns at the tier the member had before it"}
    for level in t["levels"]:
        threshold = money(level["threshold"]) if spend else _plural(level["threshold"], "point")
        words = f"from {threshold}, points ×{ratio_text(Fraction(level['multiplier']))}"
        if level["benefits"]:
            words += "; " + "; ".join(level["benefits"])
        found[f"Tier {level['name']}"] = words
    return found


def _expiry(x: dict) -> dict[str, str]:
    if x["unit"] == "never":
        return {"Points expire": "never"}
    zone = "the time zone of the store where they were earned" if x["time_zone"] == "store" else x["time_zone"]
    words = f"{_plural(x['after'], x['unit'].rstrip('s'))} after they are earned"
    if x["month_end"]:
        words += ", at the end of that month"
    return {"Points expire": f"{words}, on the calendar of {zone}"}


def _offline(o: dict) -> dict[str, str]:
    return {"Offline allowance": f"{_plural(o['cap_points'], 'point')} per member per till in "
                                 f"{_plural(o['window_hours'], 'hour')}",
            "Online hold lifetime": _plural(o["hold_ttl_seconds"], "second"),
            "Oldest data a till may use offline": _plural(o["max_data_age_hours"], "hour")}
