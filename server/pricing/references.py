"""What a promotion, price list or segment names must exist: stores, tiers, categories, products,
segments. The server knows them all, so a name it does not know is a mistake to refuse (422, naming
each field and its unknown values), not an offer stored to never apply.

A category exists while some product in the catalogue carries it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.exceptions import OneCardError
from server.membership.program import LoyaltyProgram
from server.models import Product, Segment, Store


class Kind(StrEnum):
    STORE = "store"
    TIER = "tier"
    CATEGORY = "category"
    PRODUCT = "product"
    SEGMENT = "segment"


class UnknownReference(OneCardError):
    """``errors`` maps each field to a message listing the values nothing is known by."""

    status = 422
    slug = "unknown-reference"
    title = "The definition names things that do not exist"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{field}: {messages[0]}" for field, messages in errors.items()),
                         errors=errors)


Reference = tuple[str, Kind, Iterable[str]]  # (field, what it names, the names)


def check_references(session: Session, program: LoyaltyProgram, references: Iterable[Reference]) -> None:
    """Refuse names that nothing in the chain is known by.

    Raises:
        UnknownReference: one or more fields name unknown values; every such field is listed.
    """
    errors: dict[str, list[str]] = {}
    for field, kind, names in references:
        wanted = list(dict.fromkeys(str(n) for n in names))
        known = _known(session, program, kind, wanted)
        unknown = [n for n in wanted if n not in known]
        if unknown:
            errors[field] = [f"unknown {kind}: {', '.join(unknown)}"]
    if errors:
        raise UnknownReference(errors)


def _known(session: Session, program: LoyaltyProgram, kind: Kind, names: list[str]) -> set[str]:
    if not names:
        return set()
    if kind is Kind.TIER:
        return {tier.name for tier in program.tiers.tiers}
    if kind is Kind.SEGMENT:
        ids = [_uuid(n) for n in names]
        return {str(s) for s in session.scalars(select(Segment.id).where(Segment.id.in_([i for i in ids if i])))}
    column = {Kind.STORE: Store.code, Kind.CATEGORY: Product.category, Kind.PRODUCT: Product.sku}[kind]
    return set(session.scalars(select(column).where(column.in_(names)).distinct()))


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def definition_references(definition: dict) -> Iterator[Reference]:
    """The names a promotion definition (canonical JSON form) uses, field by field."""
    yield "stores", Kind.STORE, definition["stores"]
    yield "targeting.tiers", Kind.TIER, definition["targeting"]["tiers"]
    yield "targeting.segments", Kind.SEGMENT, definition["targeting"]["segments"]
    rule = definition["rule"]
    if "prices" in rule:
        yield "rule.prices", Kind.PRODUCT, [price["sku"] for price in rule["prices"]]
    if rule.get("scope"):  # a reward's scope may be null
        yield from _scope_references("rule.scope", rule["scope"])
    if rule["kind"] == "reward" and rule.get("sku"):
        yield "rule.sku", Kind.PRODUCT, [rule["sku"]]
    for position, component in enumerate(rule.get("components", ())):
        yield from _scope_references(f"rule.components.{position}.scope", component["scope"])


def _scope_references(field: str, scope: dict) -> Iterator[Reference]:
    yield f"{field}.skus", Kind.PRODUCT, scope["skus"]
    yield f"{field}.categories", Kind.CATEGORY, scope["categories"]


def segment_rule_references(rule: dict) -> Iterator[Reference]:
    """The names a segment rule uses, field by field."""
    yield "rule.tiers", Kind.TIER, rule.get("tiers") or ()
    yield "rule.home_stores", Kind.STORE, rule.get("home_stores") or ()
    if rule.get("bought_category"):
        yield "rule.bought_category.category", Kind.CATEGORY, [rule["bought_category"]["category"]]
    if rule.get("for_you"):
        yield "rule.for_you", Kind.PRODUCT, [rule["for_you"]]
