"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from server.models.audit import AuditRecord
from server.models.base import Base
from server.models.changes import ChangeRecord, FeedPosition
from server.models.journal import JournalRejection
from server.models.members import Card, Hold, LedgerEntry, Member, TierChange
from server.models.security import TerminalNonce
from server.models.staff import LoginFailure, StaffUser
from server.models.stores import Store, Terminal
from server.models.transactions import PostedTransaction, ReconciliationException

__all__ = [
    "AuditRecord",
    "Base",
    "Card",
    "ChangeRecord",
    "FeedPosition",
    "Hold",
    "JournalRejection",
    "LedgerEntry",
    "LoginFailure",
    "Member",
    "PostedTransaction",
    "ReconciliationException",
    "StaffUser",
    "Store",
    "Terminal",
    "TerminalNonce",
    "TierChange",
]
