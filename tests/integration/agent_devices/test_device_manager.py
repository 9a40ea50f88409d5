"""The agent's device manager against the real stacks: pcscd + vpcd with a virtual card, a socat
pty pair with the scanner simulator, and the TCP ESC/POS printer sink."""

from __future__ import annotations

import time

from devices.receipt import mask_card
from devices.simulators.escpos_decode import decode
from devices.simulators.printer_sink import PrinterSink
from devices.simulators.scanner_sim import ScannerSimulator
from pos_agent.store import sales
from tests.devices_support.fixtures import free_port, wait_reader_empty
from tests.devices_support.jammed_card import JammedCard
from tests.integration.agent.live import wait_until
from tests.integration.agent_devices.conftest import CARD, CHIP_CARD, CHIP_UID

BREAD, WINE, COFFEE = "4006381333931", "4001686301265", "4000417025005"


def _basket(agent):
    return agent.checkout.view(agent.checkout.current_basket_id())


def _member_attached(agent):
    return (_basket(agent)["member"] or {}).get("card_number")


def _notices(manager):
    return [n["message"] for n in manager.snapshot()["notices"]]


def _reader_ready(manager, pcscd):
    wait_until(lambda: pcscd.reader in manager.health.reader.readers, timeout=5, what="the reader")


def test_a_member_card_put_on_the_reader_attaches_the_member_to_the_open_basket(
        agent, with_devices, pcscd, virtual_cards):
    wait_reader_empty(pcscd.reader)
    manager = with_devices({"card_reader": {"match": pcscd.reader}})
    _reader_ready(manager, pcscd)
    basket = agent.checkout.open_basket()
    virtual_cards(CARD, None).insert()
    wait_until(lambda: _member_attached(agent) == CARD, timeout=5, what="the member attached")
    assert agent.checkout.current_basket_id() == basket["id"]
    assert _basket(agent)["member"]["available"] == 5000
    assert manager.summary()["card_reader"] == f"card present in {pcscd.reader}"


def test_a_card_with_only_a_chip_uid_attaches_only_when_that_uid_is_registered(
        agent, with_devices, pcscd, virtual_cards):
    wait_reader_empty(pcscd.reader)
    manager = with_devices({"card_reader": {"match": pcscd.reader}})
    _reader_ready(manager, pcscd)
    stranger = virtual_cards(None, bytes.fromhex("08AABBCC"))
    stranger.insert()
    wait_until(lambda: any("08AABBCC" in n for n in _notices(manager)), timeout=5, what="the refusal")
    assert _member_attached(agent) is None
    assert "card chip 08AABBCC is not registered to a member" in _notices(manager)
    stranger.remove()
    wait_reader_empty(pcscd.reader)
    virtual_cards(None, bytes.fromhex(CHIP_UID)).insert()
    wait_until(lambda: _member_attached(agent) == CHIP_CARD, timeout=5, what="the registered chip's member")


def test_scanned_codes_add_items_and_a_member_card_scanned_at_the_item_prompt_attaches_the_member(
        agent, with_devices, pty_pair):
    manager = with_devices({"scanner": {"port": pty_pair.host_end, "suffix": "crlf"}})
    wait_until(lambda: manager.scanner.connected.is_set(), timeout=5, what="the scanner port open")
    with ScannerSimulator(pty_pair.scanner_end, suffix="crlf") as scanner:
        for code in (BREAD, WINE, CARD, BREAD):
            scanner.scan(code)
        wait_until(lambda: len(_basket(agent)["lines"]) == 3, timeout=5, what="three items")
    basket = _basket(agent)
    assert [line["sku"] for line in basket["lines"]] == ["BREAD", "WINE", "BREAD"]
    assert basket["member"]["card_number"] == CARD
    assert basket["total"] == 249 + 1169 + 249  # 10% off wine
    assert manager.summary()["scanner"] == f"connected: {pty_pair.host_end}"


def test_garbage_and_unknown_codes_are_shown_to_the_cashier_and_add_nothing(agent, with_devices, pty_pair):
    manager = with_devices({"scanner": {"port": pty_pair.host_end, "suffix": "cr"}})
    wait_until(lambda: manager.scanner.connected.is_set(), timeout=5, what="the scanner port open")
    with ScannerSimulator(pty_pair.scanner_end, suffix="cr") as scanner:
        scanner.scan("4006381333932")  # wrong check digit
        scanner.scan("96385074")  # a valid EAN-8 no product has
        wait_until(lambda: len(_notices(manager)) >= 2, timeout=5, what="two notices")
    assert _basket(agent)["lines"] == []
    assert any("check digit" in n for n in _notices(manager))
    assert any("96385074" in n for n in _notices(manager))


def test_the_status_endpoint_shows_reader_scanner_and_printer_health(
        agent, api, with_devices, pcscd, pty_pair, printer_sink):
    wait_reader_empty(pcscd.reader)
    printer_sink.paper = "near_end"
    manager = with_devices({"card_reader": {"match": pcscd.reader}, "scanner": {"port": pty_pair.host_end},
                            "printer": {"kind": "network", "address": f"127.0.0.1:{printer_sink.port}"}})
    _reader_ready(manager, pcscd)
    wait_until(lambda: manager.health.printer.checked and manager.scanner.connected.is_set(), timeout=5,
               what="printer checked and scanner open")
    status = api.get("/local/v1/status").json
    assert status["devices"] == {"card_reader": f"ready: {pcscd.reader}",
                                 "scanner": f"connected: {pty_pair.host_end}", "printer": "paper near end"}
    health = status["device_health"]
    printer = health["printer"]
    assert (printer["online"], printer["paper"], printer["ok"]) == (True, "near_end", True)
    assert health["card_reader"]["readers"] == [pcscd.reader] and health["scanner"]["connected"]
    assert printer_sink.jobs == []  # status queries are not print jobs


def _sell(agent, *codes):
    basket = agent.checkout.open_basket()
    for code in codes:
        agent.checkout.add_item(basket["id"], code)
    agent.checkout.attach_member(basket["id"], CARD)
    agent.checkout.add_tender(basket["id"], "cash")
    return agent.checkout.complete(basket["id"])


def test_a_completed_sale_prints_its_receipt_with_the_members_points(agent, with_devices, printer_sink):
    manager = with_devices({"printer": {"kind": "network", "address": f"127.0.0.1:{printer_sink.port}"}})
    done = _sell(agent, WINE, COFFEE, BREAD)
    printed = decode(printer_sink.wait_jobs(1)[0])
    lines = [" ".join(line.split()) for line in printed.text_lines]
    assert "Points earned +26" in lines and "New balance 5026" in lines
    assert "TOTAL EUR 26.18" in lines and printed.cuts
    assert manager.desk.wait_handled(1)
    with agent.db.reading() as conn:
        assert sales.get_receipt(conn, done["receipt_id"])["printed"] == 1


def test_an_unreachable_printer_keeps_the_receipt_and_the_register_reprints_it_later(agent, api, with_devices):
    port = free_port()
    manager = with_devices({"printer": {"kind": "network", "address": f"127.0.0.1:{port}", "timeout": 0.5}})
    done = _sell(agent, WINE, BREAD)
    assert manager.desk.wait_handled(1)
    devices = api.get("/local/v1/devices").json
    assert [k["receipt_id"] for k in devices["kept_receipts"]] == [done["receipt_id"]]
    assert devices["printer"]["online"] is False and "unreachable" in devices["printer"]["summary"]
    refused = api.post(f"/local/v1/receipts/{done['receipt_id']}/reprint")
    assert refused.status_code == 503 and refused.json["outcome"] == "offline"

    with PrinterSink(port=port) as sink:  # the printer is back
        reprinted = api.post(f"/local/v1/receipts/{done['receipt_id']}/reprint")
        assert reprinted.status_code == 200 and reprinted.json["ok"]
        lines = [" ".join(line.split()) for line in decode(sink.wait_jobs(1)[0]).text_lines]
    assert "Points earned +14" in lines and "New balance 5014" in lines
    assert api.get("/local/v1/devices").json["kept_receipts"] == []
    assert api.post(f"/local/v1/receipts/{done['receipt_id']}/reprint").status_code == 404
    with agent.db.reading() as conn:
        assert sales.get_receipt(conn, done["receipt_id"])["printed"] == 1


def test_kept_receipts_survive_a_restart_of_the_device_manager(agent, with_devices):
    port = free_port()
    first = with_devices({"printer": {"kind": "network", "address": f"127.0.0.1:{port}", "timeout": 0.5}})
    done = _sell(agent, BREAD)
    assert first.desk.wait_handled(1)
    first.stop()
    with PrinterSink(port=port) as sink:
        second = with_devices({"printer": {"kind": "network", "address": f"127.0.0.1:{port}"}})
        results = second.desk.reprint_pending()
        assert [(r.receipt_id, r.ok) for r in results] == [(done["receipt_id"], True)]
        assert len(sink.wait_jobs(1)) == 1



def test_stopping_the_devices_keeps_to_its_time_while_a_jammed_card_and_a_mute_printer_block(
        agent, with_devices, pcscd, printer_sink):
    wait_reader_empty(pcscd.reader)
    printer_sink.mute = True  # a printer that does not answer: the desk waits on it for its timeout
    manager = with_devices({"card_reader": {"match": pcscd.reader},
                            "printer": {"kind": "network", "address": f"127.0.0.1:{printer_sink.port}",
                                        "timeout": 3.0}})
    _reader_ready(manager, pcscd)
    with JammedCard(port=pcscd.port) as card:
        assert card.asked.wait(5), "the reader did not read the card"
        _sell(agent, BREAD)
        started = time.monotonic()
        manager.stop(timeout=2.0)
        took = time.monotonic() - started
    wait_reader_empty(pcscd.reader)
    assert took < 2.5, f"stopping took {took:.1f} s"  # the reader alone used to wait 3 s


def _printed_lines(job: bytes) -> list[str]:
    return [" ".join(line.split()) for line in decode(job).text_lines]


def test_a_return_at_a_till_with_a_printer_prints_its_refund_receipt(agent, with_devices, printer_sink):
    manager = with_devices({"printer": {"kind": "network", "address": f"127.0.0.1:{printer_sink.port}"}})
    sold = _sell(agent, WINE, COFFEE, BREAD)
    refund = agent.returns.return_lines(sold["receipt_id"], {"1": 1})  # the wine: 11.69, 12 of the 26 points
    jobs = printer_sink.wait_jobs(2)
    lines = _printed_lines(jobs[1])
    assert "REFUND" in lines and "REFUNDED EUR 11.69" in lines and "1 x Rioja 0.75l 11.69" in lines
    assert "Cash 11.69" in lines and "Points taken back -12" in lines and sold["receipt_id"] in lines
    assert refund["receipt_id"] in lines and decode(jobs[1]).cuts
    assert manager.desk.wait_handled(2)
    with agent.db.reading() as conn:
        assert sales.get_receipt(conn, refund["receipt_id"])["printed"] == 1


def test_a_void_at_a_printer_out_of_paper_keeps_the_refund_receipt_until_the_register_reprints_it(
        agent, api, with_devices, printer_sink):
    manager = with_devices({"printer": {"kind": "network", "address": f"127.0.0.1:{printer_sink.port}"}})
    sold = _sell(agent, WINE, BREAD)
    printer_sink.wait_jobs(1)
    printer_sink.paper = "out"
    void = api.post(f"/local/v1/transactions/{sold['receipt_id']}/void").json
    assert manager.desk.wait_handled(2)
    assert [k["receipt_id"] for k in api.get("/local/v1/devices").json["kept_receipts"]] == [void["receipt_id"]]
    with agent.db.reading() as conn:
        assert sales.get_receipt(conn, void["receipt_id"])["printed"] == 0
    assert len(printer_sink.jobs) == 1  # nothing was sent to a printer without paper

    printer_sink.paper = "ok"  # paper loaded
    reprinted = api.post(f"/local/v1/receipts/{void['receipt_id']}/reprint")
    assert reprinted.status_code == 200 and reprinted.json["ok"]
    lines = _printed_lines(printer_sink.wait_jobs(2)[1])
    assert "VOID" in lines and "REFUNDED EUR 14.18" in lines and "Cash 14.18" in lines
    assert api.get("/local/v1/devices").json["kept_receipts"] == []
    with agent.db.reading() as conn:
        assert sales.get_receipt(conn, void["receipt_id"])["printed"] == 1


def test_a_card_claim_of_the_enrolment_form_keeps_cards_from_the_basket_until_it_lapses_or_is_released(
        agent, with_devices, pty_pair, clock):
    manager = with_devices({"scanner": {"port": pty_pair.host_end}})
    wait_until(lambda: manager.scanner.connected.is_set(), timeout=5, what="the scanner port open")
    agent.checkout.open_basket()
    assert manager.claim_cards(5) is None  # nothing taken yet
    with ScannerSimulator(pty_pair.scanner_end) as scanner:
        scanner.scan(CARD)
        wait_until(lambda: manager.claim_cards(5) is not None, timeout=5, what="the card taken for the form")
        assert manager.claim_cards(5)["card_number"] == CARD
        assert _member_attached(agent) is None
        scanner.scan(BREAD)  # an item is not a card: it still goes to the basket
        wait_until(lambda: len(_basket(agent)["lines"]) == 1, timeout=5, what="the item")

        clock.advance(seconds=6)  # the page stopped renewing the claim (closed without releasing it)
        scanner.scan(CARD)
        wait_until(lambda: _member_attached(agent) == CARD, timeout=5, what="the card attached after the lapse")

    assert manager.claim_cards(5)["card_number"] == CARD  # renewed: the last card taken is still answered
    assert manager.claim_cards(None) is None  # released: forgotten
    assert [n for n in _notices(manager) if "enrolment form" in n] == [
        f"card {mask_card(CARD)} taken for the enrolment form"]
