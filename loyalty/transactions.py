"""What a till posts: the kinds of transaction, as stored and sent on the wire."""

from __future__ import annotations

from enum import StrEnum


class TransactionKind(StrEnum):
    """A sale, a return of some of its lines, or a void of the whole sale (`loyalty.returns`)."""

    SALE = "sale"
    RETURN = "return"
    VOID = "void"
