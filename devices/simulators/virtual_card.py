"""A small virtual member card speaking vsmartcard's vpcd socket protocol.

vpcd (the pcscd driver of Debian's ``vsmartcard-vpcd``) listens on TCP, one port per slot.
Connecting puts a card on the reader; closing the connection takes it off. Every message is a
2-byte big-endian length and a payload; a 1-byte payload is a control message (00 power off,
01 power on, 02 reset, 04 "send your ATR"), anything longer is a command APDU. The card answers
the ATR request and APDUs only.

Run by hand: ``python -m devices.simulators.virtual_card --port 25963 --number 2712345678902``.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import struct
import threading
import time

from devices import apdu

# ATR of a MIFARE Classic 1K as a PC/SC part 3 contactless reader (e.g. ACR122U) reports it.
ATR_CONTACTLESS = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
DEFAULT_VPCD_PORT = 25963  # below 32768: Linux hands out 32768-60999 as ephemeral ports
_CTRL_ATR = 0x04


def _sw(word: int) -> bytes:
    return word.to_bytes(2, "big")


class VirtualCard:
    """A card with an optional OneCard application (card number) and an optional UID.

    ``card_number=None`` gives a card without our application (SELECT answers 6A82);
    ``uid=None`` a card whose reader has no contactless UID (GET DATA answers 6A81);
    ``file_data`` overrides the raw bytes of the card-number file (to model damaged cards).
    """

    def __init__(
        self,
        card_number: str | None = "2712345678902",
        uid: bytes | None = bytes.fromhex("04A1B2C3D4E5F6"),
        *,
        file_data: bytes | None = None,
        atr: bytes = ATR_CONTACTLESS,
        aid: bytes = apdu.ONECARD_AID,
        host: str = "127.0.0.1",
        port: int = DEFAULT_VPCD_PORT,
    ) -> None:
        self.uid, self.atr, self.aid = uid, atr, aid
        self.file = file_data if file_data is not None else (card_number or "").encode("ascii")
        self.has_application = card_number is not None or file_data is not None
        self.address = (host, port)
        self.apdus: list[tuple[bytes, bytes]] = []
        self._selected = False
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def respond(self, command: bytes) -> bytes:
        """The R-APDU (data + SW) this card gives to ``command``."""
        if len(command) < 4:
            return _sw(apdu.SW_WRONG_APDU_LENGTH)
        cla, ins, p1 = command[0], command[1], command[2]
        if cla == 0xFF and ins == 0xCA:
            return self.uid + _sw(apdu.SW_OK) if self.uid and p1 == 0 else _sw(0x6A81)
        if cla != 0x00:
            return _sw(apdu.SW_CLA_NOT_SUPPORTED)
        if ins == 0xA4 and p1 == 0x04:
            self._selected = self.has_application and command[5 : 5 + command[4]] == self.aid
            return _sw(apdu.SW_OK if self._selected else apdu.SW_FILE_NOT_FOUND)
        if ins == 0xB0:
            return self._read_binary(command)
        return _sw(apdu.SW_INS_NOT_SUPPORTED)

    def _read_binary(self, command: bytes) -> bytes:
        if not self._selected:
            return _sw(apdu.SW_NO_CURRENT_EF)
        offset = int.from_bytes(command[2:4], "big")
        le = (command[4] if len(command) > 4 else 0) or 256
        chunk = self.file[offset : offset + le]
        return chunk + _sw(apdu.SW_OK if len(chunk) == le else apdu.SW_END_OF_FILE)

    def insert(self, timeout: float = 5.0) -> None:
        """Put the card on the reader (connect to vpcd), retrying until ``timeout``."""
        if self._sock is not None:
            raise RuntimeError("card already inserted")
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection(self.address, timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._selected = False
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Take the card off the reader (close the connection)."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None

    def __enter__(self) -> VirtualCard:
        self.insert()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def _serve(self, sock: socket.socket) -> None:
        while (message := _receive(sock)) is not None:
            if len(message) == 1:
                if message[0] == _CTRL_ATR:
                    _send(sock, self.atr)
                else:
                    self._selected = False  # power off, power on or reset
                continue
            answer = self.respond(message)
            self.apdus.append((message, answer))
            _send(sock, answer)


def _receive(sock: socket.socket) -> bytes | None:
    header = _receive_exactly(sock, 2)
    if header is None:
        return None
    (size,) = struct.unpack("!H", header)
    return _receive_exactly(sock, size)


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    buf = b""
    while len(buf) < size:
        try:
            # vpcd sends the length and the payload in two writes without TCP_NODELAY, so
            # Nagle waits for our delayed ACK (~40 ms per APDU) unless we ack at once.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = sock.recv(size - len(buf))
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
    return buf


def _send(sock: socket.socket, payload: bytes) -> None:
    with contextlib.suppress(OSError):  # the card may have been removed meanwhile
        sock.sendall(struct.pack("!H", len(payload)) + payload)


def main() -> None:
    parser = argparse.ArgumentParser(description="Insert a virtual OneCard into vpcd.")
    parser.add_argument("--port", type=int, default=DEFAULT_VPCD_PORT)
    parser.add_argument("--number", default="2712345678902", help="card number; '' for none")
    parser.add_argument("--uid", default="04A1B2C3D4E5F6", help="UID in hex; '' for none")
    parser.add_argument("--hold", type=float, default=5.0, help="seconds to stay on the reader")
    args = parser.parse_args()
    uid = bytes.fromhex(args.uid) if args.uid else None
    with VirtualCard(args.number or None, uid, port=args.port):
        print(f"card on 127.0.0.1:{args.port} for {args.hold} s", flush=True)
        time.sleep(args.hold)


if __name__ == "__main__":
    main()
