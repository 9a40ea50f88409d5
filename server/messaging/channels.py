"""The one shape every way of reaching a member has, and which ways the settings switch on."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from server.messaging.exceptions import MessageNotSent
from server.messaging.mailer import SmtpMailer
from server.messaging.sms import HttpSmsGateway
from server.settings import Settings


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class Sender(Protocol):
    """Sends one short text message to one address (an e-mail address or a phone number)."""

    def send(self, to: str, subject: str, text: str, message_id: str | None = None,
             unsubscribe_url: str | None = None) -> None:
        """Deliver or raise ``MessageNotSent``; a channel without subjects puts it before the text.

        ``message_id`` names the message for e-mail (a resend of the same message reuses it);
        ``unsubscribe_url`` becomes e-mail's one-click ``List-Unsubscribe`` (a text message has
        no headers: its text carries the link)."""


def sender_for(channel: Channel, settings: Settings) -> Sender:
    """The configured sender for ``channel``; ``MessageNotSent`` when the chain has not set one up."""
    if channel is Channel.EMAIL:
        if settings.smtp_url is None:
            raise MessageNotSent("e-mail is not set up on this server (ONECARD_SMTP_URL)")
        return SmtpMailer.from_url(settings.smtp_url, settings.mail_from)
    if settings.sms_gateway_url is None:
        raise MessageNotSent("text messages are not set up on this server (ONECARD_SMS_GATEWAY_URL)")
    return HttpSmsGateway(settings.sms_gateway_url)
