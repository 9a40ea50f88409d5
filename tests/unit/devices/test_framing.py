"""Pure framing of scanner bytes: suffixes, prefixes, limits and timeouts, time passed in."""

from __future__ import annotations

from devices.events import BarcodeScanned, ScanRejected
from devices.framing import FrameDecoder, FramingRules


def codes(events):
    return [e.code if isinstance(e, BarcodeScanned) else e.reason for e in events]


def test_a_code_split_over_two_reads_is_joined():
    decoder = FrameDecoder(FramingRules("cr"))
    assert decoder.feed(b"400638", 0.0) == []
    assert codes(decoder.feed(b"1333931\r", 0.01)) == ["4006381333931"]


def test_a_burst_of_codes_splits_into_each_code():
    decoder = FrameDecoder(FramingRules("lf"))
    assert codes(decoder.feed(b"96385074\n036000291452\n", 0.0)) == ["96385074", "036000291452"]


def test_silence_longer_than_the_inter_byte_timeout_drops_the_partial_frame():
    decoder = FrameDecoder(FramingRules("cr", inter_byte_timeout=0.1))
    decoder.feed(b"400638", 0.0)
    [rejected] = decoder.expire(0.2)
    assert rejected == ScanRejected(b"400638", "partial frame: no cr suffix within 100 ms")
    assert codes(decoder.feed(b"96385074\r", 0.3)) == ["96385074"]


def test_an_overlong_frame_is_reported_once_and_skipped_to_its_suffix():
    decoder = FrameDecoder(FramingRules("crlf", max_length=10))
    events = decoder.feed(b"1" * 50 + b"\r\n96385074\r\n", 0.0)
    assert codes(events) == ["overlong frame: more than 10 bytes without a suffix", "96385074"]


def test_an_empty_line_between_codes_is_ignored():
    decoder = FrameDecoder(FramingRules("cr"))
    assert codes(decoder.feed(b"\r\r96385074\r", 0.0)) == ["96385074"]
