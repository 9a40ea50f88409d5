"""Signed terminal requests: what is signed, how, and how the server checks it.

A terminal holds an Ed25519 private key; the server keeps only the public key, so neither a
database leak nor a log of requests lets anyone forge a till. Each request signs

    METHOD \\n PATH?QUERY \\n SHA-256(body) hex \\n timestamp (Unix seconds) \\n nonce

and carries the key id, timestamp, nonce and signature in headers. The timestamp is the *send*
time, checked against a freshness window (300 s by default); a sale's own time travels in the
body and may be days old after an offline spell. Nonces are remembered by the server for the
window, so a captured request cannot be replayed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from store_sync.exceptions import CredentialError, SignatureError

HEADER_KEY = "X-OneCard-Key"
HEADER_TIMESTAMP = "X-OneCard-Timestamp"
HEADER_NONCE = "X-OneCard-Nonce"
HEADER_SIGNATURE = "X-OneCard-Signature"
SIGNED_HEADERS = (HEADER_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
DEFAULT_WINDOW_SECONDS = 300
CREDENTIAL_PREFIX = "oc1"


@dataclass(frozen=True)
class TerminalCredential:
    """A terminal's key id and private key, printed once at registration as one string."""

    key_id: str
    private_key: bytes  # the 32-byte Ed25519 seed

    @classmethod
    def generate(cls) -> TerminalCredential:
        key = Ed25519PrivateKey.generate()
        return cls(key_id=f"tk_{secrets.token_hex(8)}", private_key=key.private_bytes_raw())

    @classmethod
    def parse(cls, text: str) -> TerminalCredential:
        """Parse ``oc1.<key id>.<base64url seed>`` as printed by ``onecard terminals register``."""
        parts = text.strip().split(".")
        if len(parts) != 3 or parts[0] != CREDENTIAL_PREFIX or not parts[1]:
            raise CredentialError("a terminal credential looks like oc1.<key id>.<secret>")
        try:
            seed = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        except (binascii.Error, ValueError) as exc:
            raise CredentialError("the secret part of the credential is not base64") from exc
        if len(seed) != 32:
            raise CredentialError("the secret part of the credential has the wrong length")
        return cls(key_id=parts[1], private_key=seed)

    def __str__(self) -> str:
        secret = base64.urlsafe_b64encode(self.private_key).decode().rstrip("=")
        return f"{CREDENTIAL_PREFIX}.{self.key_id}.{secret}"

    def __repr__(self) -> str:  # never print the secret by accident
        return f"TerminalCredential(key_id={self.key_id!r})"

    @property
    def public_key(self) -> bytes:
        key = Ed25519PrivateKey.from_private_bytes(self.private_key)
        return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def canonical_request(method: str, path_with_query: str, body: bytes, timestamp: int,
                      nonce: str) -> bytes:
    """The exact bytes a terminal signs for one request."""
    body_hash = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path_with_query, body_hash, str(timestamp), nonce]).encode()


def sign_request(credential: TerminalCredential, method: str, path_with_query: str, body: bytes,
                 timestamp: int, nonce: str | None = None) -> dict[str, str]:
    """Return the headers that authenticate one request.

    Args:
        credential: the terminal's credential.
        method: HTTP method.
        path_with_query: path and query string exactly as sent (``/api/v1/x?a=1``).
        body: the raw request body (``b""`` for none).
        timestamp: the send time in Unix seconds (the caller reads the clock).
        nonce: a fresh random value; generated when omitted.
    """
    nonce = nonce or secrets.token_hex(16)
    message = canonical_request(method, path_with_query, body, timestamp, nonce)
    signature = Ed25519PrivateKey.from_private_bytes(credential.private_key).sign(message)
    return {
        HEADER_KEY: credential.key_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: base64.b64encode(signature).decode(),
    }


@dataclass(frozen=True)
class SignedHeaders:
    key_id: str
    timestamp: int
    nonce: str
    signature: bytes


def read_signed_headers(headers: Mapping[str, str]) -> SignedHeaders:
    """Pull the signature headers out of a request, or raise ``SignatureError``."""
    missing = [h for h in SIGNED_HEADERS if not headers.get(h)]
    if missing:
        raise SignatureError("missing-headers", f"missing header(s): {', '.join(missing)}")
    nonce = headers[HEADER_NONCE]
    if not 16 <= len(nonce) <= 64 or not nonce.isascii() or not nonce.isalnum():
        raise SignatureError("malformed", "the nonce must be 16-64 letters or digits")
    try:
        timestamp = int(headers[HEADER_TIMESTAMP])
        signature = base64.b64decode(headers[HEADER_SIGNATURE], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise SignatureError("malformed", "timestamp or signature header is malformed") from exc
    return SignedHeaders(headers[HEADER_KEY], timestamp, nonce, signature)


def check_freshness(timestamp: int, now: int, window: int = DEFAULT_WINDOW_SECONDS) -> None:
    """Refuse a send time further than ``window`` seconds from the server's ``now``."""
    if abs(now - timestamp) > window:
        raise SignatureError("stale", f"request time is {now - timestamp:+d} s from the server's "
                                      f"clock; the allowed window is {window} s")


def verify_signature(public_key: bytes, signed: SignedHeaders, method: str, path_with_query: str,
                     body: bytes) -> None:
    """Raise ``SignatureError`` unless ``signed`` is this terminal's signature of the request."""
    message = canonical_request(method, path_with_query, body, signed.timestamp, signed.nonce)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signed.signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError("bad-signature", "the request signature does not match") from exc
