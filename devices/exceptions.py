"""Device errors. Adapters report device trouble as events or results; these are for misuse."""

from __future__ import annotations


class DeviceError(Exception):
    """Base class of every error raised by the device layer."""


class ConfigError(DeviceError):
    """A device configuration value is missing or invalid."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class CardReadError(DeviceError):
    """A card answered an APDU with an unexpected status word."""

    def __init__(self, step: str, sw: int | None = None, reason: str = "") -> None:
        detail = reason or (f"SW {sw:04X}" if sw is not None else "no answer")
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.sw = sw
        self.reason = detail


class TransportError(DeviceError):
    """A printer transport failed; ``kind`` is one of the PrintOutcome values."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class NotSpooled(DeviceError):
    """A reprint was asked for a receipt id that is not in the spool."""

    def __init__(self, receipt_id: str) -> None:
        super().__init__(f"receipt {receipt_id} is not in the spool")
        self.receipt_id = receipt_id
