"""Events the devices report to the agent: frozen dataclasses, past tense."""

from __future__ import annotations

from dataclasses import dataclass

from loyalty.barcodes import CodeKind


@dataclass(frozen=True)
class ReaderAdded:
    reader: str


@dataclass(frozen=True)
class ReaderRemoved:
    reader: str


@dataclass(frozen=True)
class CardInserted:
    """A card was read.

    ``card_number`` is the number stored in the loyalty application on the card. When the card
    has none, ``uid`` (from the contactless GET DATA) is the only identifier: the agent may use it
    only if that UID is registered to a member, because many cards present random UIDs.
    """

    reader: str
    card_number: str | None
    uid: str | None
    atr: str


@dataclass(frozen=True)
class CardRemoved:
    reader: str


@dataclass(frozen=True)
class CardUnreadable:
    """A card is present but yields no identifier (foreign card, mute card, bad data)."""

    reader: str
    atr: str
    reason: str


@dataclass(frozen=True)
class CardServiceLost:
    """The PC/SC service (pcscd) is gone; the reader retries in the background."""

    reason: str


@dataclass(frozen=True)
class CardServiceRestored:
    pass


@dataclass(frozen=True)
class BarcodeScanned:
    """A well-formed code from the scanner, classified.

    ``item`` and ``value`` are set for variable-measure codes (value in grams or cents).
    """

    code: str
    symbology: str
    kind: CodeKind = CodeKind.ITEM
    item: str | None = None
    value: int | None = None


@dataclass(frozen=True)
class ScanRejected:
    raw: bytes
    reason: str


@dataclass(frozen=True)
class ScannerLost:
    port: str
    reason: str


@dataclass(frozen=True)
class ScannerRestored:
    port: str


CardEvent = (
    ReaderAdded
    | ReaderRemoved
    | CardInserted
    | CardRemoved
    | CardUnreadable
    | CardServiceLost
    | CardServiceRestored
)
ScanEvent = BarcodeScanned | ScanRejected | ScannerLost | ScannerRestored
