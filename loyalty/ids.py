"""Entry ids derived from their source.

An entry's id is a UUIDv5 of (source id, purpose, part). Posting the same sale twice therefore
produces entries with the same ids, and the ledger keeps one of each: a retry is a no-op.
"""

from __future__ import annotations

import uuid

from loyalty.exceptions import InvalidValue

# Fixed for ever: changing it would give every replayed source new ids and double its points.
LEDGER_NAMESPACE = uuid.UUID("5b0f7c1e-3f0e-5d7a-9a53-0c1ea7d10001")


def entry_id(source_id: str | uuid.UUID, purpose: str, part: str | int | None = None) -> uuid.UUID:
    """Return the id of the entry that `source_id` creates for `purpose` (and `part`).

    Args:
        source_id: the till's transaction id, a merge id, an adjustment id or a lot id.
        purpose: what the entry does for its source, e.g. "earn", "bonus", "return-earn".
        part: distinguishes several entries of one purpose, e.g. a promotion id or a lot id.

    Raises:
        InvalidValue: `source_id` or `purpose` is empty, or `purpose` contains "|".

    Example:
        >>> entry_id("T-1", "earn") == entry_id("T-1", "earn")
        True
    """
    source = str(source_id)
    if not source:
        raise InvalidValue("source_id", source_id, "must not be empty")
    if not purpose or "|" in purpose:
        raise InvalidValue("purpose", purpose, "must be non-empty and contain no '|'")
    name = f"{source}|{purpose}" if part is None else f"{source}|{purpose}|{part}"
    return uuid.uuid5(LEDGER_NAMESPACE, name)
