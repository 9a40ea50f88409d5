"""E-mail over SMTP (standard library ``smtplib``): plain relay, STARTTLS when offered, or SMTPS."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from server.messaging.exceptions import MessageNotSent

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    tls: bool = False  # smtps: TLS from the first byte
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str, sender: str) -> SmtpMailer:
        """``smtp://[user:password@]host[:port]`` (port 25) or ``smtps://...`` (port 465)."""
        parts = urlsplit(url)
        tls = parts.scheme == "smtps"
        return cls(parts.hostname or "localhost", parts.port or (465 if tls else 25), sender, tls,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def send(self, to: str, subject: str, text: str, message_id: str | None = None,
             unsubscribe_url: str | None = None) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = message_id or make_msgid(domain="onecard")
        if unsubscribe_url is not None:
            # RFC 2369 names the link; RFC 8058 tells mail clients to POST to it (one click,
            # no page) rather than fetch it, so a scanner's GET still only sees the confirm page.
            message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(text)
        try:
            with self._connect() as smtp:
                if not self.tls and smtp.has_extn("starttls"):
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MessageNotSent(f"the mail server at {self.host}:{self.port} did not take the message: "
                                 f"{exc.__class__.__name__}") from exc

    def _connect(self) -> smtplib.SMTP:
        if self.tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS)
        return smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
