"""The APDUs a OneCard member card answers, shared by the reader and the virtual card.

A member card carries a proprietary application (AID ``F0 'ONECARD'``) whose transparent file
holds the card number in ASCII digits. Contactless readers also answer the PC/SC part 3 pseudo
APDU GET DATA (``FF CA 00 00 00``) with the card's UID.
"""

from __future__ import annotations

ONECARD_AID = b"\xf0ONECARD"

GET_UID = bytes.fromhex("FFCA000000")
READ_BINARY = bytes.fromhex("00B0000000")

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282  # data shorter than Le: still a good read
SW_WRONG_LENGTH = 0x6C00  # 6Cxx: repeat with Le = xx
SW_FILE_NOT_FOUND = 0x6A82
SW_FUNCTION_NOT_SUPPORTED = 0x6A81
SW_NO_CURRENT_EF = 0x6986
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_WRONG_APDU_LENGTH = 0x6700


def select_aid(aid: bytes) -> bytes:
    """SELECT by DF name (ISO 7816-4), first or only occurrence."""
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid


def read_binary(le: int = 0) -> bytes:
    """READ BINARY from offset 0 of the current EF; Le 0 means "up to 256"."""
    return bytes([0x00, 0xB0, 0x00, 0x00, le])


def split_response(response: bytes) -> tuple[bytes, int]:
    """Split an R-APDU into (data, SW1SW2)."""
    if len(response) < 2:
        raise ValueError(f"R-APDU too short: {response.hex()}")
    return response[:-2], int.from_bytes(response[-2:], "big")
