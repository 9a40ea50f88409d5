"""What a notice says: the offer, its dates (on the member's home-store clock) and stores, and how
to stop these messages. Plain text, for e-mail and SMS alike (an SMS puts the subject first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class NoticeText:
    subject: str
    text: str


def _when(instant: str | None, zone: ZoneInfo) -> str | None:
    if instant is None:
        return None
    return datetime.fromisoformat(instant).astimezone(zone).strftime("%d %b %Y %H:%M")


def dates_line(window: dict, zone: str) -> str:
    tz = ZoneInfo(zone)
    start, end = _when(window.get("start"), tz), _when(window.get("end"), tz)
    if start and end:
        return f"From {start} until {end}"
    if end:
        return f"Until {end}"
    if start:
        return f"From {start}, while it lasts"
    return "From now, while it lasts"


def stores_line(store_names: list[str]) -> str:
    return f"At {', '.join(store_names)}" if store_names else "At all our stores"


def compose(definition: dict, store_names: list[str], zone: str, unsubscribe_url: str, sms: bool) -> NoticeText:
    """The message for one member (``zone`` is their home store's time zone)."""
    notice = definition["notice"]
    subject = definition["label"]
    lines = [notice["text"], f"{dates_line(definition['window'], zone)}. {stores_line(store_names)}."]
    if sms:
        lines.append(f"Stop: {unsubscribe_url}")
    else:
        lines += ["Show your OneCard at the till to get it.", "",
                  f"No more offers by e-mail: {unsubscribe_url}"]
    return NoticeText(subject, "\n".join(lines))
