"""Who is at the till: a card number resolved online (live balance) or from the cache (offline)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loyalty.cards import card_is_usable
from loyalty.exceptions import InvalidCardNumber
from pos_agent.checkout.basket import MemberAtTill
from pos_agent.checkout.program import Program
from pos_agent.checkout.reference import ReferenceData
from pos_agent.exceptions import CardNotUsable, UnknownCard
from pos_agent.link.port import CardLookup
from promotions import PromotionUse
from store_sync.entities import PromotionUsePayload


def valid_number(program: Program, number: str) -> str:
    """The card number trimmed, or UnknownCard saying why it cannot be one of ours."""
    try:
        return program.card_scheme.validate(number)
    except InvalidCardNumber as exc:
        raise UnknownCard(number, exc.reason) from None


def from_server(number: str, found: CardLookup, ref: ReferenceData) -> MemberAtTill:
    """The member as the server sees them now (segments, clipped offers and usage counts come from the cache)."""
    member, account = found.member, found.account
    cached = ref.member(str(member["id"])) or {}
    return MemberAtTill(card_number=number, source="server", member_id=str(member["id"]),
                        name=member.get("name", ""), tier=account.get("tier") or member.get("tier"),
                        available=account.get("available", 0), balance=account.get("balance", 0),
                        as_of=_time(account.get("as_of")), segments=tuple(cached.get("segments", ())),
                        promotion_uses=snapshot_uses(cached), clipped=tuple(cached.get("clipped", ())))


def from_cache(number: str, ref: ReferenceData) -> MemberAtTill:
    """The member from the feed snapshot; a card the till never saw still earns (on sync).

    Raises:
        CardNotUsable: the feed said the card is blocked, lost or replaced.
    """
    card = ref.card(number)
    if card is None:
        return MemberAtTill(card_number=number, source="unknown")
    if not card_is_usable(card["state"]):
        raise CardNotUsable(number, card["state"])
    member = ref.member(card["member_id"])
    if member is None:
        return MemberAtTill(card_number=number, source="unknown", member_id=card["member_id"])
    return _cached(number, member)


def _cached(number: str, member: dict[str, Any]) -> MemberAtTill:
    return MemberAtTill(card_number=number, source="cache", member_id=member["id"], name=member.get("name", ""),
                        tier=member.get("tier"), available=member.get("available", 0),
                        balance=member.get("balance", 0), as_of=_time(member.get("taken_at")),
                        segments=tuple(member.get("segments", ())), promotion_uses=snapshot_uses(member),
                        clipped=tuple(member.get("clipped", ())))


def snapshot_uses(member: dict[str, Any]) -> tuple[PromotionUse, ...]:
    """The member's recent uses of limited offers as the snapshot logged them."""
    logged = member.get("promotion_uses")
    if not isinstance(logged, list):  # a snapshot from before the log was published
        return ()
    return tuple(PromotionUse(**use) for use in PromotionUsePayload(many=True).load(logged))


def _time(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)
