"""How numbers, money and times read on the pages and in CSV downloads."""

from __future__ import annotations

from datetime import datetime

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def decimal_amount(minor: int, exponent: int) -> str:
    """Minor units as a plain decimal string: 1234 at exponent 2 -> '12.34', -5 -> '-0.05'."""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), 10**exponent)
    return f"{sign}{units}" + (f".{cents:0{exponent}d}" if exponent else "")


def money(minor: int | None, currency: str, exponent: int) -> str:
    """Money for people: '€1,234.50', '-€0.05', 'CHF 12.00'."""
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), 10**exponent)
    amount = f"{units:,}" + (f".{cents:0{exponent}d}" if exponent else "")
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{currency} {amount}"


def points(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def percent_text(bp: int) -> str:
    """Basis points as people write a percentage: 1250 -> '12.5', 500 -> '5'."""
    whole, fraction = divmod(bp, 100)
    return f"{whole}.{fraction:02d}".rstrip("0").rstrip(".") if fraction else str(whole)


def when(value: datetime | None) -> str:
    """A UTC time to the minute, labelled as UTC."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def day(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d")
