"""Text messages through an SMS provider's HTTP gateway.

The adapter posts ``{"to": "+49...", "text": "..."}`` as JSON to the configured URL and counts any
2xx answer as accepted. A provider with another request shape gets its own adapter with the same
``send`` method (``server.messaging.channels.Sender``).
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from server.messaging.exceptions import MessageNotSent

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class HttpSmsGateway:
    url: str

    def send(self, to: str, subject: str, text: str, message_id: str | None = None,
             unsubscribe_url: str | None = None) -> None:
        # An SMS has no message id the gateway would keep nor headers: ``message_id`` and
        # ``unsubscribe_url`` are not sent (the notice's text carries its stop link).
        body = {"to": to, "text": f"{subject}: {text}" if subject else text}
        try:
            response = requests.post(self.url, json=body, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise MessageNotSent(f"the SMS gateway did not answer: {exc.__class__.__name__}") from exc
        if not response.ok:
            raise MessageNotSent(f"the SMS gateway refused the message: HTTP {response.status_code}")
