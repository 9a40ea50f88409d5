"""The hold-out bucket of ``promotions.holdout`` as a SQL expression, so a report splits a whole
audience in one query instead of hashing it member by member in Python.

PostgreSQL computes the same sha256 itself: the first 8 bytes of the digest are read as two
unsigned 32-bit words, hi and lo, and (hi x 2^32 + lo) mod 10,000 is taken as
((hi mod 10,000) x 7,296 + lo) mod 10,000 (2^32 mod 10,000 = 7,296), which stays within a bigint.
SQLite has no sha256: the connection is given ``promotions.holdout.bucket`` itself as a function.
Both are checked against ``promotions.holdout.bucket`` by the tests.

Over a whole audience (``buckets``) the digest is taken once per member, in a subquery PostgreSQL
may not fold into its caller (OFFSET 0): folded, each of the two words would hash the member
again, and the hash was most of the promotion report's time.
"""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, Subquery, Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import BIT
from sqlalchemy.orm import Session

from promotions.holdout import BUCKETS, bucket

SEPARATOR = "\x1f"  # promotions.holdout's separator between the promotion id and the member id
SQLITE_FUNCTION = "onecard_holdout_bucket"


def bucket_of(session: Session, promotion_id: str, member_id):
    """The member's bucket (0..9,999) for the promotion, for the uuid column ``member_id``."""
    if session.get_bind().dialect.name == "postgresql":
        return _postgres_bucket(_digest(promotion_id, member_id))
    return _sqlite_bucket_of(session, promotion_id, member_id)


def buckets(session: Session, promotion_id: str, members: Subquery) -> Subquery:
    """(id, bucket) for each row of ``members`` (a subquery with an ``id`` uuid column)."""
    if session.get_bind().dialect.name != "postgresql":
        return select(members.c.id, _sqlite_bucket_of(session, promotion_id, members.c.id).label("bucket")).subquery()
    digests = select(members.c.id, _digest(promotion_id, members.c.id).label("digest")).offset(0).subquery()
    return select(digests.c.id, _postgres_bucket(digests.c.digest).label("bucket")).subquery()


def _sqlite_bucket_of(session: Session, promotion_id: str, member_id):
    session.connection().connection.driver_connection.create_function(
        SQLITE_FUNCTION, 2, _sqlite_bucket, deterministic=True)
    return getattr(func, SQLITE_FUNCTION)(literal(promotion_id, Text), member_id)


def _sqlite_bucket(promotion_id: str, stored_member_id: str) -> int:
    # SQLAlchemy keeps a uuid on SQLite as 32 hex digits; the hash takes the hyphenated form.
    return bucket(promotion_id, str(uuid.UUID(stored_member_id)))


def _digest(promotion_id: str, member_id):
    return func.sha256(func.convert_to(literal(promotion_id + SEPARATOR, Text).concat(cast(member_id, Text)), "UTF8"))


def _postgres_bucket(digest):
    head = func.encode(func.substring(digest, 1, 8), "hex")  # 16 hex digits

    def word(start: int):  # 8 hex digits as an unsigned 32-bit number, zero-padded to 64 bits
        return cast(cast(literal("x00000000", Text).concat(func.substr(head, start, 8)), BIT(64)), BigInteger)

    return (word(1) % BUCKETS * (2 ** 32 % BUCKETS) + word(9)) % BUCKETS
