"""Unsubscribe links: a signed token naming the member and the consent the link turns off.

The token is signed with the server's secret key (itsdangerous, its own salt) and does not expire:
a member may follow the link in an old message. It carries no personal data, only the member's
id and the channel. Following it turns off that one consent (``unsubscribe``), on the member's own
authority: audited as a profile change and as ``member.unsubscribed`` naming the channel.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from server.audit import Actor, write_audit
from server.exceptions import OneCardError
from server.membership.members import update_member
from server.membership.program import LoyaltyProgram
from server.messaging.channels import Channel
from server.models import Member

SALT = "onecard-unsubscribe"
CONSENT_OF = {Channel.EMAIL: "marketing_email", Channel.SMS: "marketing_sms"}


class InvalidUnsubscribeLink(OneCardError):
    status = 404
    slug = "invalid-unsubscribe-link"
    title = "Unknown unsubscribe link"


def unsubscribe_token(secret_key: str, member_id: uuid.UUID, channel: Channel) -> str:
    return URLSafeSerializer(secret_key, salt=SALT).dumps({"m": str(member_id), "c": channel.value})


def read_token(secret_key: str, token: str) -> tuple[uuid.UUID, Channel]:
    """The member and channel a token names; InvalidUnsubscribeLink for a forged or damaged one."""
    try:
        data = URLSafeSerializer(secret_key, salt=SALT).loads(token)
        return uuid.UUID(data["m"]), Channel(data["c"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvalidUnsubscribeLink("this unsubscribe link is not one OneCard sent, or it was cut short") from None


def unsubscribe(session: Session, secret_key: str, token: str, program: LoyaltyProgram,
                now: datetime) -> tuple[Member, Channel]:
    """Turn off the consent the token names (in the caller's transaction); audited as the member's act.

    An erased or merged member's link is refused like an unknown one: there is nothing left to turn off.
    """
    member_id, channel = read_token(secret_key, token)
    member = session.get(Member, member_id)
    if member is None or member.erased_at is not None or member.merged_into is not None:
        raise InvalidUnsubscribeLink("this unsubscribe link belongs to a membership that no longer exists")
    if (member.consents or {}).get(CONSENT_OF[channel]):
        actor = Actor.member(str(member.id))
        update_member(session, member, {"consents": {CONSENT_OF[channel]: False}}, program, now, actor)
        write_audit(session, at=now, actor=actor, action="member.unsubscribed", target=str(member.id),
                    details={"channel": channel.value, "consent": CONSENT_OF[channel]})
    return member, channel
