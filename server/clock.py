"""The server's one clock read, so tests and jobs can pass time in everywhere else."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
