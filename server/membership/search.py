"""Finding members by card, phone, e-mail or name, without a way to list them all.

A query must say something about one person: a full card number, a phone number (at least
``MIN_PHONE_DIGITS`` digits), an e-mail address, or at least ``MIN_NAME_CHARS`` letters or digits
of the name. LIKE wildcards in a query are plain characters, whitespace is collapsed, and a page
holds at most ``MAX_RESULTS`` members.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.cards import CardState
from loyalty.contacts import normalize_email, normalize_phone
from loyalty.exceptions import LoyaltyError
from server.exceptions import OneCardError
from server.models import Card, Member

MIN_NAME_CHARS = 3
MIN_PHONE_DIGITS = 9  # a national number without its trunk 0 (UK 10, DE 10-11, FR 9)
MAX_RESULTS = 20
LIKE_ESCAPE = "\\"
_PHONE_NOISE = str.maketrans("", "", " -().")


class QueryTooBroad(OneCardError):
    status = 422
    slug = "query-too-broad"
    title = "The search would match too many members"


def escape_like(text: str) -> str:
    """``text`` for a LIKE pattern with ``LIKE_ESCAPE``: its % and _ match only themselves."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def squeeze(text: str) -> str:
    """Trimmed, with every run of whitespace one space: how names are kept for search."""
    return " ".join(text.split())


def search_members(session: Session, query: str, limit: int,
                   after: uuid.UUID | None) -> tuple[list[Member], bool]:
    """A page of live members matching ``query`` in id order (at most ``MAX_RESULTS``), and whether more follow.

    Raises:
        QueryTooBroad: the query is too short to point at one person.
    """
    limit = min(limit, MAX_RESULTS)
    stmt = select(Member).where(Member.erased_at.is_(None), Member.merged_into.is_(None), _match(squeeze(query)))
    if after is not None:
        stmt = stmt.where(Member.id > after)
    found = list(session.scalars(stmt.order_by(Member.id).limit(limit + 1)))
    return found[:limit], len(found) > limit


def _match(query: str):
    if query.isdigit() and len(query) == 13:
        return Member.id.in_(select(Card.member_id).where(Card.number == query))
    if "@" in query:
        return func.lower(Member.email) == _try(normalize_email, query).lower()
    phone = query.translate(_PHONE_NOISE)
    if phone.lstrip("+").isdigit():
        return _phone_match(phone)
    fragment = query.casefold()
    if sum(ch.isalnum() for ch in fragment) < MIN_NAME_CHARS:
        raise QueryTooBroad(f"give at least {MIN_NAME_CHARS} letters of the name, a full card number, "
                            "a phone number or an e-mail address")
    return Member.name_search.like(f"%{escape_like(fragment)}%", escape=LIKE_ESCAPE)


def _phone_match(phone: str):
    """The exact E.164 number, or the tail of one typed without its country code (trunk 0 dropped)."""
    national = phone.lstrip("+").removeprefix("0")
    if len(national) < MIN_PHONE_DIGITS:
        raise QueryTooBroad(f"give a whole phone number (at least {MIN_PHONE_DIGITS} digits)")
    if phone.startswith(("+", "00")):
        return Member.phone == _try(normalize_phone, phone)
    return Member.phone.like(f"%{national}")


def _try(normalise, value: str) -> str:
    try:
        return normalise(value)
    except LoyaltyError:  # a malformed query simply matches nothing
        return value


def display_name(name: str) -> str:
    """The first name and the initial of the last ("Ada Lovelace" -> "Ada L."): enough to greet, not to find."""
    words = name.split()
    if len(words) < 2:
        return " ".join(words)
    return f"{words[0]} {words[-1][0]}."


def active_cards(session: Session, member_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The active card numbers of each of these members, in number order."""
    cards: dict[uuid.UUID, list[str]] = {member_id: [] for member_id in member_ids}
    for member_id, number in session.execute(select(Card.member_id, Card.number).where(
            Card.member_id.in_(member_ids), Card.state == CardState.ACTIVE).order_by(Card.number)):
        cards[member_id].append(number)
    return cards
