"""Byte transports to receipt printers: network (raw TCP 9100), serial, file and USB.

Every failure becomes a TransportError whose ``kind`` is a PrintOutcome value, with short
timeouts, so a dead printer never stalls the till.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path
from typing import IO, Any, Protocol

import serial

from devices.exceptions import TransportError

OFFLINE, TIMEOUT, ERROR = "offline", "timeout", "error"


class Transport(Protocol):
    supports_status: bool

    def open(self) -> None: ...

    def write(self, data: bytes) -> None: ...

    def query(self, request: bytes) -> int:
        """Send a real-time request and return the one-byte answer."""
        ...

    def close(self) -> None: ...


class NetworkTransport:
    """Raw TCP, as Epson TM printers serve on port 9100."""

    supports_status = True

    def __init__(self, host: str, port: int = 9100, timeout: float = 2.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._sock: socket.socket | None = None

    def open(self) -> None:
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except TimeoutError as exc:
            raise TransportError(OFFLINE, f"{self.host}:{self.port} did not answer") from exc
        except OSError as exc:
            raise TransportError(OFFLINE, f"{self.host}:{self.port} unreachable: {exc}") from exc
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        try:
            self._connected().sendall(data)
        except TimeoutError as exc:
            raise TransportError(TIMEOUT, f"sending to {self.host}:{self.port} timed out") from exc
        except OSError as exc:
            raise TransportError(OFFLINE, f"connection lost: {exc}") from exc

    def query(self, request: bytes) -> int:
        sock = self._connected()
        self._drain(sock)
        self.write(request)
        try:
            answer = sock.recv(1)
        except TimeoutError as exc:
            raise TransportError(TIMEOUT, f"no status answer in {self.timeout} s") from exc
        except OSError as exc:
            raise TransportError(OFFLINE, f"connection lost: {exc}") from exc
        if not answer:
            raise TransportError(OFFLINE, "printer closed the connection")
        return answer[0]

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        """Drop unsolicited bytes (automatic status back) so the next answer is ours."""
        timeout = sock.gettimeout()
        sock.setblocking(False)
        try:
            with contextlib.suppress(BlockingIOError, InterruptedError):
                while sock.recv(64):
                    pass
        finally:
            sock.settimeout(timeout)

    def _connected(self) -> socket.socket:
        if self._sock is None:
            raise TransportError(ERROR, "transport not open")
        return self._sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class SerialTransport:
    """A printer on a serial port or USB-CDC device (pyserial path or URL)."""

    supports_status = True

    def __init__(self, port: str, baudrate: int = 9600, timeout: float = 2.0) -> None:
        self.port, self.baudrate, self.timeout = port, baudrate, timeout
        self._serial: Any = None

    def open(self) -> None:
        try:
            self._serial = serial.serial_for_url(
                self.port, baudrate=self.baudrate, timeout=self.timeout, write_timeout=self.timeout
            )
        except (serial.SerialException, OSError) as exc:
            raise TransportError(OFFLINE, f"cannot open {self.port}: {exc}") from exc

    def write(self, data: bytes) -> None:
        try:
            self._serial.write(data)
            self._serial.flush()
        except serial.SerialTimeoutException as exc:
            raise TransportError(TIMEOUT, f"writing to {self.port} timed out") from exc
        except (serial.SerialException, OSError) as exc:
            raise TransportError(OFFLINE, f"{self.port} lost: {exc}") from exc

    def query(self, request: bytes) -> int:
        try:
            self._serial.reset_input_buffer()
            self.write(request)
            answer = self._serial.read(1)
        except (serial.SerialException, OSError) as exc:
            raise TransportError(OFFLINE, f"{self.port} lost: {exc}") from exc
        if not answer:
            raise TransportError(TIMEOUT, f"no status answer in {self.timeout} s")
        return answer[0]

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None


class FileTransport:
    """A device node (``/dev/usb/lp0``) or a plain file; no status channel."""

    supports_status = False

    def __init__(self, path: str | Path, append: bool = True) -> None:
        self.path, self.append = Path(path), append
        self._file: IO[bytes] | None = None

    def open(self) -> None:
        try:
            self._file = self.path.open("ab" if self.append else "wb")
        except OSError as exc:
            raise TransportError(OFFLINE, f"cannot open {self.path}: {exc}") from exc

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise TransportError(ERROR, "transport not open")
        try:
            self._file.write(data)
            self._file.flush()
        except OSError as exc:
            raise TransportError(ERROR, f"writing {self.path} failed: {exc}") from exc

    def query(self, request: bytes) -> int:
        raise TransportError(ERROR, "a file transport has no status channel")

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None


class UsbTransport:
    """A USB printer through python-escpos (needs pyusb and libusb); no status channel here."""

    supports_status = False

    def __init__(self, vendor_id: int, product_id: int, profile: str = "TM-T88III") -> None:
        self.vendor_id, self.product_id, self.profile = vendor_id, product_id, profile
        self._device: Any = None

    def open(self) -> None:
        from devices.escpos_render import escpos_printer_module

        usb_class = escpos_printer_module().Usb
        if not usb_class.is_usable():
            raise TransportError(ERROR, "USB printing needs pyusb and libusb (pip install pyusb)")
        device = usb_class(self.vendor_id, self.product_id, timeout=2000, profile=self.profile)
        try:
            device.open()
        except Exception as exc:  # python-escpos raises several unrelated types here
            raise TransportError(
                OFFLINE, f"USB printer {self.vendor_id:04x}:{self.product_id:04x} not found: {exc}"
            ) from exc
        self._device = device

    def write(self, data: bytes) -> None:
        try:
            self._device._raw(data)
        except Exception as exc:
            raise TransportError(ERROR, f"USB write failed: {exc}") from exc

    def query(self, request: bytes) -> int:
        raise TransportError(ERROR, "status over USB is not supported by this transport")

    def close(self) -> None:
        if self._device is not None:
            with contextlib.suppress(Exception):
                self._device.close()
            self._device = None
