"""Why a message to a member did not go out."""

from __future__ import annotations

from server.exceptions import OneCardError


class MessageNotSent(OneCardError):
    """The channel is not configured, or its server refused the message or did not answer."""

    status = 503
    slug = "message-not-sent"
    title = "Message not sent"
