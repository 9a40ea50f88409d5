"""Errors of the change feed, each one problem+json response."""

from server.exceptions import OneCardError


class FeedCursorError(OneCardError):
    """A cursor or snapshot page this server never issued (e.g. ahead of the feed after a restore)."""

    status = 400
    slug = "invalid-cursor"
    title = "Invalid cursor"
