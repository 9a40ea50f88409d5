"""Guards for the three kinds of value the domain never lets slip: money, points and instants.

Money and points are ints (a float in money math is a bug waiting for a penny to vanish), and
every instant is timezone-aware and normalised to UTC, because the server and every till must
order the same entries the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from loyalty.exceptions import InvalidValue, NaiveDatetime, NotAnInteger


def require_int(value: Any, what: str) -> int:
    """Return `value` if it is a real int; bools, floats and Decimals are refused.

    Raises:
        NotAnInteger: `value` is not an int.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise NotAnInteger(what, value)
    return value


def require_non_negative(value: Any, what: str) -> int:
    """Return `value` if it is an int >= 0.

    Raises:
        NotAnInteger: `value` is not an int.
        InvalidValue: `value` is negative.
    """
    if require_int(value, what) < 0:
        raise InvalidValue(what, value, "must not be negative")
    return value


def require_positive(value: Any, what: str) -> int:
    """Return `value` if it is an int > 0.

    Raises:
        NotAnInteger: `value` is not an int.
        InvalidValue: `value` is zero or negative.
    """
    if require_int(value, what) <= 0:
        raise InvalidValue(what, value, "must be positive")
    return value


def require_utc(value: Any, what: str) -> datetime:
    """Return `value` converted to UTC; naive datetimes are refused rather than guessed.

    Raises:
        NaiveDatetime: `value` is not a timezone-aware datetime.
    """
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise NaiveDatetime(what, value)
    return value.astimezone(UTC)
