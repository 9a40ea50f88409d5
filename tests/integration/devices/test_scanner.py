"""The serial scanner adapter reading a socat pty pair, with a scanner writing the other end."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from devices.events import BarcodeScanned, ScannerLost, ScannerRestored, ScanRejected
from devices.framing import FramingRules
from devices.scanner import SerialScanner
from devices.simulators.scanner_sim import PtyPair, ScannerSimulator
from loyalty.barcodes import CodeKind
from tests.devices_support.recorder import EventRecorder


@pytest.fixture
def reading(pty_pair: PtyPair) -> Iterator[Callable]:
    """Start the real adapter on the host end with given framing; stop it afterwards."""
    started: list[SerialScanner] = []

    def start(**framing: object) -> tuple[EventRecorder, ScannerSimulator]:
        rules = FramingRules(**framing)  # type: ignore[arg-type]
        events = EventRecorder()
        scanner = SerialScanner(pty_pair.host_end, framing=rules, backoff=(0.02, 0.2))
        scanner.start(events)
        started.append(scanner)
        assert scanner.connected.wait(5), "adapter did not open the pty"
        sim = ScannerSimulator(pty_pair.scanner_end, suffix=rules.suffix, prefix=rules.prefix)
        return events, sim

    yield start
    for scanner in started:
        scanner.stop()


@pytest.mark.parametrize("suffix", ["cr", "lf", "crlf"])
def test_each_configured_suffix_ends_a_code(reading, suffix):
    events, scanner = reading(suffix=suffix)
    with scanner:
        scanner.scan("4006381333931")
        scanner.scan("96385074")
        assert events.take(BarcodeScanned) == BarcodeScanned("4006381333931", "EAN-13")
        assert events.take(BarcodeScanned) == BarcodeScanned("96385074", "EAN-8")
    assert not events.of(ScanRejected)


def test_a_crlf_scanner_on_a_cr_setting_keeps_the_lf_out_of_the_next_code(reading):
    events, scanner = reading(suffix="cr")
    with scanner:
        scanner.send(b"036000291452\r\n4006381333931\r\n")
        assert events.take(BarcodeScanned).code == "036000291452"
        assert events.take(BarcodeScanned).code == "4006381333931"
    assert not events.of(ScanRejected)


def test_a_configured_prefix_is_stripped_and_a_frame_without_it_is_rejected(reading):
    events, scanner = reading(suffix="cr", prefix=b"]E0")
    with scanner:
        scanner.scan("4006381333931")
        assert events.take(BarcodeScanned).code == "4006381333931"
        scanner.send(b"4006381333931\r")
        assert "missing prefix" in events.take(ScanRejected).reason


def test_garbage_is_rejected_with_a_logged_reason_and_reading_goes_on(reading, caplog):
    events, scanner = reading(suffix="cr")
    with scanner:
        scanner.send(b"\x00\xff\x13garbage\r")
        rejected = events.take(ScanRejected)
        assert rejected.raw == b"\x00\xff\x13garbage"
        assert rejected.reason.startswith("garbage")
        scanner.scan("96385074")
        assert events.take(BarcodeScanned).code == "96385074"
    assert "scan rejected" in caplog.text
    assert "garbage" in caplog.text


def test_an_overlong_frame_is_rejected_once_and_the_next_code_still_reads(reading):
    events, scanner = reading(suffix="crlf", max_length=20)
    with scanner:
        scanner.send(b"9" * 200 + b"\r\n")
        scanner.scan("4006381333931")
        assert events.take(ScanRejected).reason.startswith("overlong frame")
        assert events.take(BarcodeScanned).code == "4006381333931"
    assert len(events.of(ScanRejected)) == 0


def test_a_partial_frame_is_dropped_after_the_inter_byte_timeout(reading):
    events, scanner = reading(suffix="cr", inter_byte_timeout=0.05)
    with scanner:
        scanner.send(b"400638")
        assert "partial frame" in events.take(ScanRejected).reason
        scanner.scan("4006381333931")
        assert events.take(BarcodeScanned).code == "4006381333931"


def test_a_wrong_check_digit_is_rejected(reading):
    events, scanner = reading(suffix="cr")
    with scanner:
        scanner.scan("4006381333932")
        assert events.take(ScanRejected).reason == "EAN-13 check digit should be 1"


def test_a_member_card_scanned_at_the_item_prompt_is_recognised(reading):
    events, scanner = reading(suffix="cr")
    with scanner:
        scanner.scan("2712345678902")
        scanner.scan("2812345012345")
        assert events.take(BarcodeScanned).kind is CodeKind.MEMBER_CARD
        weighed = events.take(BarcodeScanned)
    assert (weighed.kind, weighed.item, weighed.value) == (CodeKind.WEIGHT_ITEM, "12345", 1234)


def test_a_vanished_port_is_reported_and_reading_resumes_when_it_returns(reading, pty_pair):
    events, scanner = reading(suffix="cr")
    pty_pair.stop()
    assert events.take(ScannerLost).port == pty_pair.host_end
    pty_pair.start()
    assert events.take(ScannerRestored).port == pty_pair.host_end
    with scanner:
        scanner.scan("036000291452")
        assert events.take(BarcodeScanned) == BarcodeScanned("036000291452", "UPC-A")


def test_a_port_missing_at_start_is_reported_lost_then_found(tmp_path):
    pair = PtyPair(tmp_path)
    events = EventRecorder()
    adapter = SerialScanner(pair.host_end, backoff=(0.02, 0.1))
    adapter.start(events)
    try:
        assert "cannot open" in events.take(ScannerLost).reason
        with pair:
            events.take(ScannerRestored)
    finally:
        adapter.stop()


def test_a_scanner_process_at_9600_baud_is_read_code_by_code(reading, pty_pair):
    events, _ = reading(suffix="crlf")
    codes = ["4006381333931", "2712345678902", "96385074"]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "devices.simulators.scanner_sim",
            pty_pair.scanner_end,
            *codes,
            "--suffix",
            "crlf",
            "--pacing-baud",
            "9600",
            "--gap",
            "0.01",
        ],
        check=True,
        timeout=20,
    )
    assert [events.take(BarcodeScanned).code for _ in codes] == codes
