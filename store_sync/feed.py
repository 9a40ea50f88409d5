"""The change feed's messages as plain data, shared by the server (which builds them) and agents.

A change says "entity X is now this" (``upsert``) or "entity X is gone" (``delete``) for one store
or for every store (``store`` is None). ``seq`` is the feed position: strictly increasing, and a
reader that asks for "changes after N" never misses one committed later with a smaller number,
because the server assigns ``seq`` only to committed changes, in one serialized step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

PROTOCOL_VERSION = 1


class Op(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


@dataclass(frozen=True)
class Change:
    """One entry of the feed. Applying it twice must leave the same state as applying it once."""

    seq: int
    entity_type: str
    entity_id: str
    op: Op
    payload: dict[str, Any]
    at: datetime
    store: str | None = None


@dataclass(frozen=True)
class ChangesPage:
    """The changes after ``cursor`` visible to one store, oldest first.

    ``next_cursor`` is where to ask next; it may lie beyond the last item (changes for other
    stores are skipped). ``has_more`` says whether to ask again at once rather than after a pause.
    """

    cursor: int
    items: tuple[Change, ...]
    next_cursor: int
    has_more: bool
    protocol_version: int = PROTOCOL_VERSION


@dataclass(frozen=True)
class SnapshotItem:
    """The latest state of one entity as of the snapshot's cursor (deleted entities are left out)."""

    entity_type: str
    entity_id: str
    seq: int
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SnapshotPage:
    """One page of a store's snapshot as of ``cursor``; continue the feed from ``cursor``.

    ``next_page`` is an opaque token for the following page of the same snapshot, None at the end.
    A page may hold fewer items than asked for (deleted entities take a place but are not sent).
    """

    cursor: int
    items: tuple[SnapshotItem, ...]
    next_page: str | None
    protocol_version: int = PROTOCOL_VERSION


@dataclass(frozen=True)
class SnapshotPageText:
    """A snapshot page kept as the JSON text it came in (``SnapshotPageSchema``'s form): its head
    read and every item's shape checked, its items not decoded, so a till can store them straight
    from the text (a chain's members are hundreds of thousands of items). ``entity_types`` are
    the types its items are of."""

    cursor: int
    next_page: str | None
    text: str
    entity_types: frozenset[str] = frozenset()
