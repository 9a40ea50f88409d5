"""The PC/SC adapter against the real pcscd + vpcd stack, with our virtual card.

Every test that needs pcscd lives in this module (pcscd is one per machine).
"""

from __future__ import annotations

import time

import pytest

from devices.card_reader import PcscCardReader
from devices.check import check_devices
from devices.config import DeviceConfig
from devices.events import (
    CardInserted,
    CardRemoved,
    CardServiceLost,
    CardServiceRestored,
    CardUnreadable,
    ReaderAdded,
    ReaderRemoved,
)
from tests.devices_support.fixtures import wait_reader_empty
from tests.devices_support.jammed_card import JammedCard
from tests.devices_support.recorder import EventRecorder
from tests.integration.devices.test_printer import free_port

UID = bytes.fromhex("04A1B2C3D4E5F6")


def test_a_member_card_gives_its_number_and_uid_then_its_removal(card_reader, virtual_cards):
    _, events = card_reader
    card = virtual_cards("2712345678902", UID)
    card.insert()
    inserted = events.take(CardInserted)
    assert inserted.card_number == "2712345678902"
    assert inserted.uid == "04A1B2C3D4E5F6"
    assert inserted.atr.startswith("3B8F8001")
    card.remove()
    assert events.take(CardRemoved).reader == inserted.reader


def test_a_card_inserted_again_is_read_again(card_reader, virtual_cards):
    _, events = card_reader
    card = virtual_cards("2799999999997", UID)
    for _ in range(2):
        card.insert()
        assert events.take(CardInserted).card_number == "2799999999997"
        card.remove()
        events.take(CardRemoved)


def test_a_second_card_after_the_first_gives_its_own_number(pcscd, card_reader, virtual_cards):
    _, events = card_reader
    first, second = virtual_cards("2712345678902", UID), virtual_cards("2700000000017", None)
    first.insert()
    assert events.take(CardInserted).card_number == "2712345678902"
    first.remove()
    events.take(CardRemoved)
    second.insert()
    atr = second.atr.hex().upper()
    assert events.take(CardInserted) == CardInserted(pcscd.reader, "2700000000017", None, atr)


def test_a_card_with_only_a_uid_has_no_card_number_and_must_be_registered(card_reader, virtual_cards):
    _, events = card_reader
    virtual_cards(None, bytes.fromhex("08112233")).insert()
    inserted = events.take(CardInserted)
    assert inserted.card_number is None
    assert inserted.uid == "08112233"


def test_a_foreign_card_without_our_application_or_a_uid_is_unreadable(card_reader, virtual_cards):
    _, events = card_reader
    virtual_cards(None, None).insert()
    unreadable = events.take(CardUnreadable)
    assert "foreign card" in unreadable.reason
    assert not events.of(CardInserted)


def test_a_card_number_file_with_garbage_is_unreadable_not_a_uid_fallback(card_reader, virtual_cards, caplog):
    _, events = card_reader
    virtual_cards(file_data=b"\x01\x02ABC", uid=UID).insert()
    unreadable = events.take(CardUnreadable)
    assert "not 6-20 ASCII digits" in unreadable.reason
    assert "not 6-20 ASCII digits" in caplog.text


def test_a_card_already_on_the_reader_at_start_is_read(pcscd, virtual_cards):
    card = virtual_cards("2712345678902", UID)
    card.insert()
    events = EventRecorder()
    reader = PcscCardReader(pcscd.reader)
    reader.start(events)
    try:
        assert events.take(ReaderAdded).reader == pcscd.reader
        assert events.take(CardInserted).card_number == "2712345678902"
    finally:
        reader.stop()


def test_the_adapter_stops_promptly_while_waiting_for_a_card(pcscd):
    events = EventRecorder()
    reader = PcscCardReader(pcscd.reader, poll=30.0)
    reader.start(events)
    events.take(ReaderAdded)
    started = time.monotonic()
    reader.stop(timeout=2.0)
    assert time.monotonic() - started < 1.0  # a 30 s wait: only SCardCancel ends it this soon
    assert reader._thread is None  # it ended: a thread that still blocks is kept


def test_a_jammed_card_holds_up_stop_only_for_its_timeout_and_what_is_read_later_is_not_reported(pcscd, caplog):
    wait_reader_empty(pcscd.reader)
    events = EventRecorder()
    reader = PcscCardReader(pcscd.reader)
    reader.start(events)
    events.take(ReaderAdded)
    with JammedCard(port=pcscd.port) as card:
        assert card.asked.wait(5), "the adapter did not read the card"
        started = time.monotonic()
        reader.stop(timeout=0.5)
        took = time.monotonic() - started
        with pytest.raises(RuntimeError, match="still blocks in a PC/SC call"):
            reader.start(events)
    reader._thread.join(5)  # the card is off: its exchange fails and the thread ends
    wait_reader_empty(pcscd.reader)
    assert 0.5 <= took < 1.0
    assert "a PC/SC call still blocks after 0.5 s; not waiting for it" in caplog.text
    assert not reader._thread.is_alive() and events.events == []


def test_check_devices_lists_reader_port_and_printer_with_a_line_per_problem(pcscd, pty_pair, printer_sink):
    config = DeviceConfig.from_dict(
        {
            "card_reader": {"match": "Virtual PCD 00 00"},
            "scanner": {"port": pty_pair.host_end},
            "printer": {"kind": "network", "address": f"127.0.0.1:{printer_sink.port}"},
        }
    )
    lines = [str(result) for result in check_devices(config)]
    assert "[ok] card reader: reader found: Virtual PCD 00 00" in lines
    assert f"[ok] scanner: {pty_pair.host_end} opens" in lines
    where = f"network printer 127.0.0.1:{printer_sink.port}"
    assert f"[ok] printer: {where}: reachable, online, paper ok" in lines
    broken = DeviceConfig.from_dict(
        {
            "card_reader": {"match": "ACR122"},
            "scanner": {"port": "/dev/ttyNOPE"},
            "printer": {"kind": "network", "address": f"127.0.0.1:{free_port()}", "timeout": 0.5},
        }
    )
    problems = [str(r) for r in check_devices(broken) if not r.ok]
    assert problems[0] == "[PROBLEM] card reader: no reader matching 'ACR122'"
    assert problems[1] == "[PROBLEM] scanner: /dev/ttyNOPE does not exist"
    assert problems[2].startswith("[PROBLEM] printer: network printer 127.0.0.1:")
    assert "unreachable" in problems[2]


def test_pcscd_going_away_and_coming_back_is_reported(pcscd, card_reader, virtual_cards):
    _, events = card_reader
    pcscd.stop()
    try:
        assert "pcscd" in events.wait_for(CardServiceLost).reason
        assert events.wait_for(ReaderRemoved).reader == pcscd.reader
    finally:
        pcscd.start()
    events.take(CardServiceRestored, timeout=10)
    assert events.take(ReaderAdded).reader == pcscd.reader
    wait_reader_empty(pcscd.reader)
    virtual_cards("2712345678902", UID).insert()
    assert events.take(CardInserted).card_number == "2712345678902"
