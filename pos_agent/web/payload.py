"""The one reader of local API request bodies: JSON that the till can store, or a 400 problem.

Python's ``json`` accepts what the till cannot keep: nesting deep enough to exhaust the
interpreter's recursion limit, integers of thousands of digits, ``NaN``, lone UTF-16 surrogates
(``"\\ud800"``, which SQLite cannot encode) and NUL characters. Each is refused here, before a view
or SQLite sees it, so a hostile body is a 400 problem+json and never a 500.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import g, request

from pos_agent.exceptions import InvalidRequest
from store_sync.text import unsafe_character

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 16
MAX_INT = 2**53 - 1  # the integers every JSON reader agrees on (RFC 7493), well inside SQLite's 64 bits
_MAX_INT_DIGITS = len(str(MAX_INT)) + 1  # a sign, then digits: longer literals are refused unparsed


def _int(literal: str) -> int:
    if len(literal) > _MAX_INT_DIGITS or abs(value := int(literal)) > MAX_INT:
        raise InvalidRequest(f"integers must lie within ±{MAX_INT}")
    return value


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise InvalidRequest("numbers must be finite")
    return value


def _constant(name: str) -> None:
    raise InvalidRequest(f"{name} is not JSON")


def _check_text(text: str) -> None:
    problem = unsafe_character(text)
    if problem:
        raise InvalidRequest(f"a text in the body {problem}")


def _check_tree(value: Any) -> None:
    """Depth and text of a parsed body, walked without recursion."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
        elif isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise InvalidRequest(f"the body is nested deeper than {MAX_DEPTH} levels")
            if isinstance(node, dict):
                stack.extend((key, depth) for key in node)
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))


def parse(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object the till can store, or ``InvalidRequest``."""
    try:
        value = json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise InvalidRequest(f"the body is nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidRequest("the body must be a JSON object")
    _check_tree(value)
    return value


def load_body() -> None:
    """Read the current request's body once (from ``before_request``); views use ``json_body``."""
    raw = request.get_data(cache=True)
    g.json_body = parse(raw) if raw.strip() else {}


def json_body() -> dict[str, Any]:
    """The current request's body, as ``load_body`` read and checked it."""
    return g.get("json_body", {})
