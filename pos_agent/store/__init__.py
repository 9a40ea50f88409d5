"""The terminal's one SQLite database: cache of the feed, cursor, journal, sales and receipts."""

from pos_agent.store.database import Database

__all__ = ["Database"]
