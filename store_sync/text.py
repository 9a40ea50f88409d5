"""Text a till or the server cannot store: NUL characters and lone UTF-16 surrogates.

PostgreSQL text cannot hold NUL, and a lone surrogate (``"\\ud800"`` in JSON) is not a character,
so UTF-8 cannot encode it for SQLite or PostgreSQL. The server's request guard, the agent's local
API and the journal's item schema all ask this module, so the rule has one home.
"""

from __future__ import annotations

import re
from typing import Any

_UNSAFE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def unsafe_character(text: str) -> str | None:
    """What is wrong with ``text`` in words (a NUL, a lone surrogate), or None when it can be stored."""
    found = _UNSAFE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "holds a NUL character"
    return "holds a lone UTF-16 surrogate, which is not a character"


def unsafe_text_in(document: Any) -> str | None:
    """The first problem with any key or string inside a parsed JSON ``document``, or None."""
    pending = [document]
    while pending:  # iterative: the document may be deep
        value = pending.pop()
        if isinstance(value, str):
            problem = unsafe_character(value)
            if problem:
                return problem
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return None


def scrubbed(document: Any) -> Any:
    """A copy of ``document`` whose keys and strings have each unsafe character replaced by U+FFFD."""
    if isinstance(document, str):
        return _UNSAFE.sub(REPLACEMENT, document)
    if isinstance(document, dict):
        return {scrubbed(key): scrubbed(value) for key, value in document.items()}
    if isinstance(document, list):
        return [scrubbed(value) for value in document]
    return document
