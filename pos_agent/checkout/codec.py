"""Checkout dataclasses (a ``Basket`` and all it holds) as JSON and back, exactly.

Encoding is ``dataclasses.asdict`` with datetimes as ISO 8601 with their offset and enums as their
values. Decoding follows each field's type hint (dataclasses, ``X | None``, ``tuple[X, ...]``,
``list[X]``, ``dict[str, X]``, datetimes, enums), so a field that changes shape -- such as
``MemberAtTill.promotion_uses`` becoming a tuple of ``PromotionUse`` records -- needs no change here.

Decoding is tolerant of a body written by another version of the agent: keys it does not know are
ignored, a missing key takes the field's default, and a value that no longer fits its field's type
takes the field's default too (logged). A required field, at any depth, that is missing or cannot be
read fails the whole body with ``Unreadable``: a basket is never restored without its card number or
a tender's amount.
"""

from __future__ import annotations

import dataclasses
import logging
import types
import typing
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

_SCALARS = (str, int, bool, float)


class Unreadable(ValueError):
    """A body lacks a required field, or has one that does not fit its type."""


def encode(value: Any) -> dict[str, Any]:
    """A dataclass instance as a JSON-ready dict."""
    return _plain(dataclasses.asdict(value))


def decode(cls: type[T], body: dict[str, Any]) -> T:
    """An instance of dataclass ``cls`` from what ``encode`` made; raises Unreadable."""
    if not isinstance(body, dict):
        raise Unreadable(f"{cls.__name__}: expected an object, got {type(body).__name__}")
    return _dataclass(cls, body)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _dataclass(cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise TypeError(f"{cls.__name__}: expected an object, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    given = {}
    for field in (f for f in dataclasses.fields(cls) if f.init):
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        if field.name not in raw:
            if required:
                raise Unreadable(f"{cls.__name__}.{field.name} is missing")
            continue
        try:
            given[field.name] = _value(hints[field.name], raw[field.name])
        except Unreadable:
            raise
        except (TypeError, ValueError) as exc:
            if required:
                raise Unreadable(f"{cls.__name__}.{field.name}: {exc}") from exc
            log.warning("%s.%s unreadable, default used: %s", cls.__name__, field.name, exc)
    return cls(**given)


def _value(hint: Any, raw: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if raw is None and type(None) in args:
            return None
        return _value(next(arg for arg in args if arg is not type(None)), raw)
    if hint is Any:
        return raw
    if dataclasses.is_dataclass(hint):
        return _dataclass(hint, raw)
    if origin in (tuple, list):
        _expect(raw, list, hint)
        if origin is tuple and args[-1] is not Ellipsis:  # a fixed-length tuple
            return tuple(_value(arg, item) for arg, item in zip(args, raw, strict=True))
        items = [_value(args[0], item) for item in raw]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        _expect(raw, dict, hint)
        return {key: _value(args[1], item) for key, item in raw.items()}
    if hint is datetime:
        _expect(raw, str, hint)
        return _aware(datetime.fromisoformat(raw))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(raw)
    if hint in _SCALARS:
        _expect(raw, hint, hint)
    return raw


def _expect(raw: Any, kind: type, hint: Any) -> None:
    if not isinstance(raw, kind):
        raise TypeError(f"{hint}: got {raw!r}")


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:  # every instant the till keeps is UTC with its offset; a naive one is not ours
        raise ValueError(f"{at.isoformat()} has no UTC offset")
    return at
