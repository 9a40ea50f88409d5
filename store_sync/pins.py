"""Till PINs: one rule for what a PIN is, and the salted slow hash that travels to the tills.

A PIN is short by design (a cashier types it many times a day), so its hash is what protects it if
a till's database is stolen: Argon2id (argon2-cffi's defaults, RFC 9106's second recommended set),
a fresh salt per hash. The server hashes when an admin sets a PIN; a till only verifies, offline
too. Guessing at the till is bounded by the till's lock-out, not by the hash.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_DIGITS, MAX_DIGITS = 4, 8
_PIN = re.compile(rf"^[0-9]{{{MIN_DIGITS},{MAX_DIGITS}}}$")
_hasher = PasswordHasher()


def pin_problem(pin: str) -> str | None:
    """Why ``pin`` cannot be a PIN, or None when it can."""
    if not _PIN.match(pin):
        return f"a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits"
    if len(set(pin)) == 1:
        return "a PIN of one digit repeated is too easy to guess"
    return None


def hash_pin(pin: str) -> str:
    """The PHC string of a new salted Argon2id hash of ``pin`` (check it with ``pin_problem`` first)."""
    return _hasher.hash(pin)


def verify_pin(pin_hash: str, pin: str) -> bool:
    """True when ``pin`` is the one hashed; False for a wrong PIN or a hash that cannot be read."""
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
