"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from server.models.audit import AuditRecord
from server.models.base import Base
from server.models.security import TerminalNonce
from server.models.staff import LoginFailure, StaffUser
from server.models.stores import Store, Terminal

__all__ = ["AuditRecord", "Base", "LoginFailure", "StaffUser", "Store", "Terminal", "TerminalNonce"]
