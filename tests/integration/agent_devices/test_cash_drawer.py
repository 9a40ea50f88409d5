"""The cash drawer behind the receipt printer, seen from the TCP printer sink: a cash sale and a
no-sale kick it open (ESC p), a card sale does not; a shift's Z report prints its figures."""

from __future__ import annotations

from devices.simulators.escpos_decode import decode


def _printer(with_devices, printer_sink):
    return with_devices({"printer": {"kind": "network", "address": f"127.0.0.1:{printer_sink.port}"}})


def _sale(api, code, kind):
    basket = api.post("/local/v1/baskets").json["id"]
    api.post(f"/local/v1/baskets/{basket}/items", json={"code": code})
    api.post(f"/local/v1/baskets/{basket}/tenders", json={"kind": kind})
    done = api.post(f"/local/v1/baskets/{basket}/complete")
    assert done.status_code == 200, done.json


def test_a_cash_sale_and_a_no_sale_open_the_drawer_and_a_card_sale_does_not(agent, api, with_devices, printer_sink):
    _printer(with_devices, printer_sink)
    _sale(api, "BREAD", "cash")
    _sale(api, "WINE", "card")
    assert api.post("/local/v1/drawer/no-sale", json={"reason": "change for a 50"}).status_code == 201
    jobs = [decode(job) for job in printer_sink.wait_jobs(3, timeout=10)]
    assert [job.drawer_pulses for job in jobs] == [1, 0, 1]
    assert "Sourdough bread                       2.49" in jobs[0].text_lines
    assert "NO SALE" in jobs[2].text_lines and "Reason: change for a 50" in jobs[2].text_lines


def test_a_z_report_prints_the_shifts_figures_and_the_cash_difference(agent, api, with_devices, printer_sink):
    _printer(with_devices, printer_sink)
    assert api.post("/local/v1/shift", json={"float_minor": 5000}).status_code == 201
    _sale(api, "BREAD", "cash")
    _sale(api, "WINE", "card")
    closed = api.post("/local/v1/shift/close", json={"counted_minor": 7250})
    assert closed.status_code == 201, closed.json
    report = decode(printer_sink.wait_jobs(3, timeout=10)[2])
    assert report.drawer_pulses == 0
    lines = report.text_lines
    assert "Z REPORT" in lines
    for expected in ("Sales (2)                            14.18", "  Card                               11.69",
                     "  Cash                                2.49", "Float                                50.00",
                     "Expected cash                    EUR 52.49", "Counted cash                     EUR 72.50",
                     "Difference                           20.01"):
        assert expected in lines, (expected, lines)
