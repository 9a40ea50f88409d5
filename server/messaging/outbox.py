"""The member outbox: planning a promotion's notice into one row per member, and sending the rows.

Exactly once per member and promotion, across retries and worker restarts:

- Planning (``plan_notices``) reads each published promotion whose notice is not yet planned
  (``promotion_notices``, written when it was published) and inserts one ``member_messages`` row
  per member of its audience who consented to a channel of the notice, has an address for it and
  is not held out (``promotions.holdout``). The primary key (promotion, member) makes a second
  planning, by a retry or a second worker, insert nothing.
- Sending (``send_due``) claims due rows in a short transaction (PostgreSQL: ``FOR UPDATE SKIP
  LOCKED``, so concurrent workers take different rows; SQLite: its one writer), writing the
  worker's name and a lease. Before each message the worker renews its claim and counts the attempt
  in a transaction of its own; it hands the message to the mail server (or SMS gateway), and only
  after that server accepted it marks the row ``sent``, still under its own claim. A worker killed
  at any point leaves its rows pending; once their lease lapses another worker claims and sends them.

The crash window, and the choice made: between the mail server's "250 accepted" and the commit
that marks the row sent (one local UPDATE, a millisecond) a crash cannot be told apart from a crash
just before the hand-over. We resend such a row (at-least-once inside that window) rather than
drop it (at-most-once), because a missed offer cannot be noticed by anyone and a duplicate can:
the resend carries the same Message-ID (``<row id@onecard>``), so mail clients and relays that
de-duplicate on it show one message. A worker that stalls longer than its lease while its message
is being handed over could see its row re-claimed; the lease (``ONECARD_NOTICE_LEASE``, 300 s) is
far longer than the mailer's 10 s timeout, and the sent mark is refused to a worker whose claim
was taken over (it then counts a "lost" row).

A message still pending when its promotion ends, or when a new version drops the notice, is skipped;
one whose promotion is paused waits. A message says what the promotion's current version says.

Quiet hours: a row is due no earlier than the end of the quiet hours on the member's home-store
clock (``quiet_hours.not_before``), checked when planned and again just before sending, so a
message held up by the send rate does not slip into the night. Members without a home store
are on UTC.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from promotions.holdout import is_held_out
from server.ids import new_id
from server.messaging.channels import Channel, Sender
from server.messaging.exceptions import MessageNotSent
from server.messaging.notice_text import compose
from server.messaging.notices import notice_of
from server.messaging.quiet_hours import not_before
from server.messaging.rate import SendRate
from server.messaging.unsubscribe import CONSENT_OF, unsubscribe_token
from server.models import Member, MemberMessage, PromotionNotice, PromotionRecord, PromotionVersion, Store
from server.pricing.segments import audience
from server.settings import Settings
from store_sync.promotion_definitions import LIVE_STATES

log = logging.getLogger(__name__)

CLAIM_BATCH = 20
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(seconds=60)  # times the attempts so far: a refused message waits longer each time
_INSERT_CHUNK = 1000
DEFAULT_ZONE = "UTC"
NOT_LIVE_WAIT = timedelta(minutes=15)  # a paused promotion's messages look again this much later


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting to be due, or claimed by a worker under a lease
    SENT = "sent"  # the mail server or gateway accepted it
    SKIPPED = "skipped"  # consent or address withdrawn, or the promotion over, before it went
    FAILED = "failed"  # refused MAX_ATTEMPTS times


def choose_channel(channels: list[str], consents: dict, email: str | None, phone: str | None) -> Channel | None:
    """E-mail if the notice uses it and the member agreed and has an address; else SMS likewise."""
    contact = {Channel.EMAIL: email, Channel.SMS: phone}
    for channel in (Channel.EMAIL, Channel.SMS):
        if channel.value in channels and (consents or {}).get(CONSENT_OF[channel]) and contact[channel]:
            return channel
    return None


def _definition(session: Session, record: PromotionRecord) -> dict:
    return session.scalar(select(PromotionVersion.definition).where(
        PromotionVersion.promotion_id == record.id, PromotionVersion.version == record.current_version))


def plan_notices(sessions: Callable[[], Session], settings: Settings, now: datetime) -> int:
    """Write the outbox rows of every published promotion whose notice is unplanned; rows written."""
    with sessions() as session:
        waiting = list(session.scalars(select(PromotionNotice.promotion_id)
                                       .where(PromotionNotice.planned_at.is_(None))))
    total = 0
    for promotion_id in waiting:
        with sessions() as session:
            total += plan_promotion(session, promotion_id, settings, now)
            session.commit()
    return total


def plan_promotion(session: Session, promotion_id: uuid.UUID, settings: Settings, now: datetime) -> int:
    """Plan one promotion's notice (in the caller's transaction); 0 when it is already planned.

    A promotion paused or sent back to draft before its audience was planned waits until it is
    live again; one that ended is closed with no rows.
    """
    marker = session.get(PromotionNotice, promotion_id, with_for_update=True)
    record = session.get(PromotionRecord, promotion_id)
    if marker is None or marker.planned_at is not None:
        return 0
    if record.state not in LIVE_STATES:
        if record.state == "ended":
            marker.planned_at = now
        return 0
    definition = _definition(session, record)
    rows = _rows(session, str(promotion_id), definition, settings, now)
    for start in range(0, len(rows), _INSERT_CHUNK):
        _insert_ignoring(session, rows[start:start + _INSERT_CHUNK])
    marker.planned_at, marker.planned = now, len(rows)
    log.info("planned the notice of promotion %s to %d members", promotion_id, len(rows))
    return len(rows)


def _rows(session: Session, promotion_id: str, definition: dict, settings: Settings, now: datetime) -> list[dict]:
    notice, targeting = notice_of(definition), definition["targeting"]
    members = audience(targeting).subquery()
    found = session.execute(
        select(Member.id, Member.consents, Member.email, Member.phone, Store.timezone)
        .join(members, members.c.id == Member.id).outerjoin(Store, Store.code == Member.home_store)).all()
    rows = []
    for member_id, consents, email, phone, zone in found:
        if is_held_out(promotion_id, str(member_id), targeting.get("holdout_bp", 0)):
            continue
        channel = choose_channel(notice["channels"], consents, email, phone)
        if channel is None:
            continue
        rows.append(dict(promotion_id=uuid.UUID(promotion_id), member_id=member_id, id=new_id(),
                         channel=channel.value, status=MessageStatus.PENDING.value,
                         due_at=not_before(now, settings.quiet_hours, zone or DEFAULT_ZONE), claimed_by=None,
                         lease_until=None, attempts=0, last_error="", created_at=now, sent_at=None))
    return rows


def _insert_ignoring(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(MemberMessage).values(rows)
                    .on_conflict_do_nothing(index_elements=["promotion_id", "member_id"]))


@dataclass
class SendCounts:
    sent: int = 0
    skipped: int = 0
    deferred: int = 0  # due in quiet hours: waits until they end
    refused: int = 0  # the server did not take it: tried again later
    lost: int = 0  # another worker took the claim over, or the member was erased meanwhile
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outbox:
    """What sending needs: sessions, settings, the business clock, a sender per channel, the send rate."""

    sessions: Callable[[], Session]
    settings: Settings
    clock: Callable[[], datetime]
    senders: Callable[[Channel], Sender]
    rate: SendRate

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.notice_lease_seconds)


def send_due(outbox: Outbox, worker: str, limit: int | None = None) -> SendCounts:
    """Send due messages until none is left to claim (or ``limit`` have been tried)."""
    counts, tried = SendCounts(), 0
    while limit is None or tried < limit:
        keys = claim(outbox, worker, CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - tried))
        if not keys:
            break
        for key in keys:
            outcome = deliver(outbox, key, worker)
            setattr(counts, outcome[0], getattr(counts, outcome[0]) + 1)
            if outcome[1]:
                counts.errors.append(outcome[1])
        tried += len(keys)
    return counts


def claim(outbox: Outbox, worker: str, batch: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Take up to ``batch`` due, unclaimed (or lapsed) rows for ``worker``; their keys."""
    with outbox.sessions() as session:
        now = outbox.clock()
        rows = session.scalars(select(MemberMessage).where(
            MemberMessage.status == MessageStatus.PENDING.value, MemberMessage.due_at <= now,
            or_(MemberMessage.lease_until.is_(None), MemberMessage.lease_until <= now))
            .order_by(MemberMessage.due_at).limit(batch).with_for_update(skip_locked=True)).all()
        for row in rows:
            row.claimed_by, row.lease_until = worker, now + outbox.lease
        keys = [(row.promotion_id, row.member_id) for row in rows]
        session.commit()
    return keys


@dataclass(frozen=True)
class _Ready:
    message_id: uuid.UUID
    channel: Channel
    address: str
    subject: str
    text: str
    unsubscribe_url: str


def deliver(outbox: Outbox, key: tuple[uuid.UUID, uuid.UUID], worker: str) -> tuple[str, str]:
    """Send one claimed row; returns (outcome, error text)."""
    with outbox.sessions() as session:
        ready = _prepare(session, outbox, key, worker)
        session.commit()
    if isinstance(ready, str):
        return ready, ""
    outbox.rate.acquire()
    try:
        outbox.senders(ready.channel).send(ready.address, ready.subject, ready.text,
                                           message_id=f"<{ready.message_id}@onecard>",
                                           unsubscribe_url=ready.unsubscribe_url)
    except MessageNotSent as exc:
        _refused(outbox, key, worker, exc.detail)
        return "refused", exc.detail
    with outbox.sessions() as session:
        marked = session.execute(update(MemberMessage).where(
            MemberMessage.promotion_id == key[0], MemberMessage.member_id == key[1],
            MemberMessage.claimed_by == worker, MemberMessage.status == MessageStatus.PENDING.value)
            .values(status=MessageStatus.SENT.value, sent_at=outbox.clock(), claimed_by=None, lease_until=None))
        session.commit()
    return ("sent", "") if marked.rowcount == 1 else ("lost", "")


def _prepare(session: Session, outbox: Outbox, key, worker: str) -> _Ready | str:
    """Renew the claim and count the attempt, or settle the row without sending (an outcome's name)."""
    row = session.get(MemberMessage, key, with_for_update=True)
    now = outbox.clock()
    if row is None or row.status != MessageStatus.PENDING.value or row.claimed_by != worker:
        return "lost"
    record = session.get(PromotionRecord, row.promotion_id)
    definition = _definition(session, record)
    if _over(record, definition, now) or notice_of(definition) is None:
        row.status, row.claimed_by, row.lease_until = MessageStatus.SKIPPED.value, None, None
        row.last_error = ("the promotion ended before the message went" if _over(record, definition, now)
                          else "the notice was taken off the promotion before the message went")
        return "skipped"
    if record.state not in LIVE_STATES:  # paused: its audience hears of it if it comes back
        row.due_at, row.claimed_by, row.lease_until = now + NOT_LIVE_WAIT, None, None
        return "deferred"
    member = session.get(Member, row.member_id)
    channel = Channel(row.channel)
    address = member.email if channel is Channel.EMAIL else member.phone
    if member.erased_at or member.merged_into or not (member.consents or {}).get(CONSENT_OF[channel]) or not address:
        row.status, row.claimed_by, row.lease_until = MessageStatus.SKIPPED.value, None, None
        row.last_error = "the member withdrew consent or address, or left, before it went"
        return "skipped"
    zone = (session.scalar(select(Store.timezone).where(Store.code == member.home_store))
            if member.home_store else None) or DEFAULT_ZONE
    due = not_before(now, outbox.settings.quiet_hours, zone)
    if due > now:
        row.due_at, row.claimed_by, row.lease_until = due, None, None
        return "deferred"
    row.lease_until, row.attempts = now + outbox.lease, row.attempts + 1
    names = list(session.scalars(select(Store.name).where(Store.code.in_(definition["stores"])).order_by(Store.name)))
    token = unsubscribe_token(outbox.settings.secret_key, member.id, channel)
    link = f"{outbox.settings.public_url}/me/unsubscribe/{token}"
    shown = compose(definition, names, zone, link, sms=channel is Channel.SMS)
    return _Ready(row.id, channel, address, shown.subject, shown.text, link)


def _over(record: PromotionRecord, definition: dict, now: datetime) -> bool:
    end = definition["window"]["end"]
    return record.state == "ended" or (end is not None and datetime.fromisoformat(end) <= now)


def outbox_counts(session: Session, promotion_id: uuid.UUID) -> dict[str, int]:
    """How many of a promotion's messages are in each state (a page shows how far its notice got)."""
    return dict(session.execute(select(MemberMessage.status, func.count()).where(
        MemberMessage.promotion_id == promotion_id).group_by(MemberMessage.status)).all())


def _refused(outbox: Outbox, key, worker: str, error: str) -> None:
    with outbox.sessions() as session:
        row = session.get(MemberMessage, key, with_for_update=True)
        if row is not None and row.claimed_by == worker and row.status == MessageStatus.PENDING.value:
            row.claimed_by, row.lease_until, row.last_error = None, None, error[:2000]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = MessageStatus.FAILED.value
            else:
                row.due_at = outbox.clock() + RETRY_AFTER * row.attempts
        session.commit()
