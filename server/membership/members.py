"""Members: enrolment, profile changes and look-up (search: server.membership.search)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from loyalty.members import Consents, MemberProfile
from server.audit import Actor, write_audit
from server.db import first_write_wins
from server.exceptions import Conflict, NotFound, OneCardError
from server.ids import new_id
from server.membership.cards import issue_card
from server.membership.profiling import forget_profiling
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_member, withdraw_member
from server.membership.search import squeeze
from server.models import Card, Member


class MemberGone(OneCardError):
    status = 409
    slug = "member-gone"
    title = "Member merged away or erased"


class MemberExists(Conflict):
    """An enrolment under a member id that is taken; ``member`` is the member who has it."""

    def __init__(self, member: Member) -> None:
        super().__init__(f"member {member.id} already exists")
        self.member = member


@dataclass(frozen=True)
class Enrolment:
    name: str
    phone: str | None = None
    email: str | None = None
    home_store: str | None = None
    created_at_store: str | None = None
    consents: dict | None = None
    member_id: uuid.UUID | None = None  # a till enrolling offline brings its own id
    card_number: str | None = None  # a pre-printed card handed over at the till


def to_profile(member: Member) -> MemberProfile:
    return MemberProfile(member_id=str(member.id), name=member.name, created_at=member.created_at,
                         phone=member.phone, email=member.email, home_store=member.home_store,
                         created_at_store=member.created_at_store,
                         consents=Consents(**member.consents),
                         merged_into=str(member.merged_into) if member.merged_into else None,
                         erased=member.erased_at is not None)


def enrol(session: Session, request: Enrolment, program: LoyaltyProgram, now: datetime,
          actor: Actor) -> tuple[Member, Card]:
    """Create a member with a first card; the profile is validated by the loyalty domain.

    Raises:
        MemberExists: the requested member id is taken, also by a concurrent enrolment under it
            (a till's retry) that committed while this one ran.
    """
    member_id = request.member_id or new_id()
    existing = session.get(Member, member_id)
    if existing is not None:
        raise MemberExists(existing)
    profile = MemberProfile(member_id=str(member_id), name=request.name.strip(), created_at=now,
                            phone=request.phone, email=request.email, home_store=request.home_store,
                            created_at_store=request.created_at_store,
                            consents=Consents(**(request.consents or {})))
    member = Member(id=member_id, tier=program.base_tier, tier_since=now, created_at=now)
    _copy_profile(member, profile)
    member.created_at_store = profile.created_at_store
    member, added = first_write_wins(session, lambda: _added(session, member), lambda: session.get(Member, member_id))
    if not added:
        raise MemberExists(member)
    card = issue_card(session, member, program, now, actor, number=request.card_number)
    publish_member(session, member_id, program, now)
    write_audit(session, at=now, actor=actor, action="member.enrolled", target=str(member_id))
    return member, card


def _added(session: Session, member: Member) -> Member:
    session.add(member)
    session.flush()
    return member


def _copy_profile(member: Member, profile: MemberProfile) -> None:
    member.name = profile.name
    member.name_search = squeeze(profile.name).casefold()
    member.phone = profile.phone
    member.email = profile.email
    member.home_store = profile.home_store
    member.consents = {"marketing_email": profile.consents.marketing_email,
                       "marketing_sms": profile.consents.marketing_sms,
                       "profiling": profile.consents.profiling}


def get_member(session: Session, member_id: uuid.UUID) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"no member {member_id}")
    return member


def update_member(session: Session, member: Member, changes: dict, program: LoyaltyProgram, now: datetime,
                  actor: Actor) -> Member:
    """Change profile fields and consents; validated as at enrolment; audited with the fields."""
    if member.merged_into or member.erased_at:
        raise MemberGone("this member was merged away or erased; change the surviving account")
    current = to_profile(member)
    consents = {**member.consents, **changes.get("consents", {})}
    profile = MemberProfile(
        member_id=current.member_id, created_at=current.created_at,
        name=changes.get("name", current.name), phone=changes.get("phone", current.phone),
        email=changes.get("email", current.email),
        home_store=changes.get("home_store", current.home_store),
        created_at_store=current.created_at_store, consents=Consents(**consents))
    _copy_profile(member, profile)
    if "notes" in changes:
        member.notes = changes["notes"]
    if program.member_cache == "home" and current.home_store and current.home_store != member.home_store:
        withdraw_member(session, member.id, current.home_store, now)  # the old home store forgets them
    if current.consents.profiling and not profile.consents.profiling:
        forget_profiling(session, member.id)
    session.flush()
    publish_member(session, member.id, program, now)
    write_audit(session, at=now, actor=actor, action="member.updated", target=str(member.id),
                details={"fields": sorted(changes)})
    return member
