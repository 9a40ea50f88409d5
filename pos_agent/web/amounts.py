"""Amounts of money in request bodies: integer minor units, or the exact decimal text a cashier typed.

The text is read in the chain's currency (from the programme the feed brought), digit by digit and
never through a float; more decimals than the currency has is refused with words a cashier can act on.
"""

from __future__ import annotations

from typing import Any

from loyalty.currency import parse_amount
from loyalty.exceptions import InvalidAmount
from pos_agent.exceptions import InvalidRequest


def amount_minor(data: dict[str, Any], minor_key: str, text_key: str, currency: str, *,
                 required: bool) -> int | None:
    """``data[minor_key]``, or ``data[text_key]`` read as an amount of ``currency``; one of them at most."""
    minor, text = data.get(minor_key), data.get(text_key)
    if minor is not None and text is not None:
        raise InvalidRequest(f"give {text_key} or {minor_key}, not both", {text_key: ["not with " + minor_key]})
    if text is None:
        if required and minor is None:
            raise InvalidRequest(f"{text_key} is missing", {text_key: ["type the amount"]})
        return minor
    try:
        return parse_amount(text, currency)
    except InvalidAmount as exc:
        raise InvalidRequest(f"{text.strip()!r} cannot be taken: {exc.reason}", {text_key: [exc.reason]}) from None
