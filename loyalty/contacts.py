"""Phone numbers and e-mail addresses, validated and normalised so a member can be found by them."""

from __future__ import annotations

import re

from loyalty.exceptions import InvalidEmail, InvalidPhone

_PHONE_NOISE = re.compile(r"[\s\-().]")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}")


def normalize_phone(raw: str, default_country_code: str | None = None) -> str:
    """Return `raw` as an E.164 number ("+" and 7-15 digits, no leading zero).

    Spaces, dashes, dots and parentheses are dropped; a leading "00" becomes "+"; a national number
    starting with a single "0" takes `default_country_code` (e.g. "44": "020 7946 0958" ->
    "+442079460958").

    Raises:
        InvalidPhone: the number cannot be read as E.164.
    """
    phone = _PHONE_NOISE.sub("", raw)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    elif phone.startswith("0") and default_country_code:
        phone = f"+{default_country_code.lstrip('+')}{phone[1:]}"
    if not phone.startswith("+"):
        raise InvalidPhone(raw, "needs a country code")
    if not phone.isascii() or not _E164.fullmatch(phone):
        raise InvalidPhone(raw, "must be + and 7 to 15 digits, not starting with 0")
    return phone


def normalize_email(raw: str) -> str:
    """Return `raw` trimmed, with the domain in lower case (the local part is kept as typed).

    Raises:
        InvalidEmail: not of the form local@domain.tld, or longer than 254 characters.
    """
    email = raw.strip()
    if len(email) > 254:
        raise InvalidEmail(raw, "longer than 254 characters")
    if not email.isascii() or not _EMAIL.fullmatch(email):
        raise InvalidEmail(raw, "must look like name@example.com")
    local, domain = email.rsplit("@", 1)
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise InvalidEmail(raw, "dots misplaced in the local part")
    return f"{local}@{domain.lower()}"
