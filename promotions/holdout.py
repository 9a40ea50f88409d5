"""Hold-out control groups: which members of a targeted promotion's audience do not get it.

A targeted promotion may hold out a share of its audience, in basis points (``holdout_bp``,
500 = 5 %), so a report can compare what the treated members spent against what the held-out
ones spent. Who is held out is a pure function of the promotion id and the member id, so the
server's quotes, its re-pricing of offline sales and every offline till hold out exactly the same
members without asking anyone:

    bucket = first 8 bytes of sha256(promotion_id + US + member_id), big-endian, mod 10,000
    held out  <=>  bucket < holdout_bp

(US is the ASCII unit separator, 0x1F, so no pair of ids can run together into another pair.)
A member's bucket differs from promotion to promotion, so the same members are not held out of
every offer. Worked example: ``bucket("p-1", "m-1")`` is 9,495, so that member would be held out
of "p-1" only at a share above 94.95 %: at any share this module allows (at most 50 %) they get it.
"""

from __future__ import annotations

import hashlib

from promotions.exceptions import InvalidPromotion

BUCKETS = 10_000
# Half the audience at most: beyond that the "control" would be the larger group, and a
# promotion that holds out everyone would be a promotion that never applies.
MAX_HOLDOUT_BP = 5_000
_SEPARATOR = "\x1f"


def bucket(promotion_id: str, member_id: str) -> int:
    """Return the member's bucket (0..9,999) for this promotion; the same everywhere, forever."""
    digest = hashlib.sha256(f"{promotion_id}{_SEPARATOR}{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def is_held_out(promotion_id: str, member_id: str, holdout_bp: int) -> bool:
    """Return True when the member is in the promotion's hold-out (control) group."""
    return holdout_bp > 0 and bucket(promotion_id, member_id) < holdout_bp


def check_holdout(holdout_bp: int, targets_members: bool) -> None:
    """Refuse a hold-out share out of range, or one on a promotion an anonymous sale can get.

    Raises:
        InvalidPromotion: on ``targeting.holdout_bp``.
    """
    if type(holdout_bp) is not int or not 0 <= holdout_bp <= MAX_HOLDOUT_BP:
        raise InvalidPromotion("targeting.holdout_bp", f"must be an int from 0 to {MAX_HOLDOUT_BP} basis points")
    if holdout_bp and not targets_members:
        raise InvalidPromotion("targeting.holdout_bp",
                               "a hold-out needs a targeted audience of members (members only, tiers, "
                               "segments or a member list): an anonymous sale cannot be held out")
