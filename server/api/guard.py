"""The one guard in front of every JSON body, query string and path of the API.

Some input breaks the layers below before any schema sees it: JSON nested so deep that the
parser or marshmallow recurses out of stack, integers so long that ``int()`` refuses them, lone
UTF-16 surrogates (not encodable as UTF-8) and NUL characters (PostgreSQL text cannot hold them).
The guard parses the body once, refuses such input with 400 problem+json, and keeps the parsed
document for the request: the argument parser (server/api/blueprint.py) and views read that
document instead of parsing the bytes again.
"""

from __future__ import annotations

import json

from flask import g, request
from werkzeug.routing import IntegerConverter

from server.exceptions import OneCardError
from store_sync.text import unsafe_character

MAX_DEPTH = 32  # our deepest request (a promotion definition) nests 6 levels
MAX_INT_DIGITS = 24  # past every bound in our schemas (2**63 has 19 digits), far below int()'s limit
_NO_BODY = object()
JOURNAL_PATH = "/api/v1/sync/journal"


class InvalidInput(OneCardError):
    status = 400
    slug = "invalid-input"
    title = "Invalid input"


class MalformedJson(InvalidInput):
    """Not JSON at all: answered with the field message webargs gives (``json: Invalid JSON body.``)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors={"json": ["Invalid JSON body."]})


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` path values fit a 32-bit column; longer digit runs do not match (404)."""

    regex = r"\d{1,10}"

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def check_request() -> None:
    """Refuse hostile text in the path or query, and hostile JSON bodies; keep the parsed body."""
    check_text("the path", request.path)
    for key, values in request.args.lists():
        check_text("a query parameter name", key)
        for value in values:
            check_text(f"query parameter {key!r}", value)
    raw = request.get_data(cache=True)
    if raw.strip() and request.is_json:
        g.json_body = load_json(raw)


def json_body(fallback):
    """The body the guard parsed, or ``fallback()`` outside a guarded request."""
    document = g.get("json_body", _NO_BODY)
    return fallback() if document is _NO_BODY else document


def load_json(raw: bytes) -> object:
    """Parse a request body, refusing what the layers below cannot take."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedJson("the body is not UTF-8") from None
    try:
        document = json.loads(text, parse_int=_parse_int, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidInput(f"the JSON is nested too deep; at most {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise MalformedJson(f"the body is not JSON: {exc.msg} at position {exc.pos}") from None
    _walk(document)
    return document


def check_text(where: str, text: str) -> None:
    problem = unsafe_character(text)
    if problem:
        raise InvalidInput(f"{where} {problem}")


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise InvalidInput(f"an integer has {len(digits.lstrip('-'))} digits; at most {MAX_INT_DIGITS}")
    return int(digits)


def _refuse_constant(name: str) -> float:
    raise MalformedJson(f"{name} is not a JSON number")


def _walk(document: object) -> None:
    """Check depth, keys and strings without recursion (the depth is what is being checked)."""
    exempt = _checked_per_item(document)
    pending = [(document, 1, True)]
    while pending:
        value, depth, check_strings = pending.pop()
        if isinstance(value, str):
            if check_strings:
                check_text("a string in the body", value)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise InvalidInput(f"the JSON is nested too deep; at most {MAX_DEPTH} levels")
        check_strings = check_strings and id(value) not in exempt
        if isinstance(value, dict):
            for key in value:
                if check_strings:
                    check_text("a key in the body", key)
            children = value.values()
        else:
            children = value
        pending.extend((child, depth + 1, check_strings) for child in children)


def _checked_per_item(document: object) -> set[int]:
    """The journal items' bodies (by id()): their text is checked item by item by the journal's schema.

    One till item holding a NUL must be rejected on its own, not make its whole batch a 400 and
    hold the till's journal behind it.
    """
    if request.path != JOURNAL_PATH or not isinstance(document, dict) or not isinstance(document.get("items"), list):
        return set()
    return {id(item["body"]) for item in document["items"]
            if isinstance(item, dict) and isinstance(item.get("body"), dict)}
