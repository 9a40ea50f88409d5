"""``onecard agent --simulate-devices``: the demo devices, through the real stacks when the machine
has them (socat, pcscd + vpcd) and through the local API when it has not."""

from __future__ import annotations

import logging

from devices.simulators import pcsc_daemon
from devices.simulators.escpos_decode import decode
from pos_agent.devices.simulation import SimulatedDevices
from pos_agent.devices.wiring import wire_devices
from tests.devices_support.fixtures import wait_reader_empty
from tests.integration.agent.live import wait_until
from tests.integration.agent_devices.conftest import CARD

BREAD, WINE = "4006381333931", "4001686301265"


def _register_basket(api, lines: int):
    def ready():
        health = api.get("/local/v1/devices").json
        basket = health["basket_id"] and api.get(f"/local/v1/baskets/{health['basket_id']}").json
        return basket if basket and len(basket["lines"]) == lines and basket["member"] else None

    wait_until(ready, timeout=5, what=f"{lines} items and a member on the basket")
    return ready()


def test_simulated_card_scans_and_printer_make_a_printed_member_sale_with_previews(agent, api, tmp_path, pcscd):
    wait_reader_empty(pcscd.reader)
    shared = SimulatedDevices(tmp_path / "devices", share_pcscd=True)  # the session's pcscd, never our own
    manager = wire_devices(agent, tmp_path, None, True, printer_poll=0.2, simulation=shared)
    manager.start()
    try:
        wait_until(lambda: pcscd.reader in manager.health.reader.readers and manager.scanner.connected.is_set(),
                   timeout=5, what="simulated reader and scanner")
        assert api.post("/local/v1/devices/simulate/card", json={"card_number": CARD}).json == {"via": "pcscd"}
        for code in (BREAD, WINE):
            assert api.post("/local/v1/devices/simulate/scan", json={"code": code}).json["via"] == "pty"
        basket = _register_basket(api, 2)
        api.post(f"/local/v1/baskets/{basket['id']}/tenders", json={"kind": "cash"})
        done = api.post(f"/local/v1/baskets/{basket['id']}/complete").json
        job = manager.simulation.sink.wait_jobs(1)[0]
        assert manager.desk.wait_handled(1)
    finally:
        api.post("/local/v1/devices/simulate/card/remove")
        wait_reader_empty(pcscd.reader)
    assert "Points earned +14" in [" ".join(line.split()) for line in decode(job).text_lines]
    preview = tmp_path / "receipts" / f"receipt-{done['receipt_id']}"
    assert "Points earned" in preview.with_suffix(".txt").read_text()
    assert preview.with_suffix(".png").read_bytes().startswith(b"\x89PNG")


def test_without_socat_or_pcscd_the_demo_devices_work_through_the_local_api(
        agent, api, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path))  # no socat, no pcscd
    monkeypatch.setattr(pcsc_daemon, "running_pcscd", lambda: None)
    caplog.set_level(logging.INFO, logger="pos_agent.devices")
    manager = wire_devices(agent, tmp_path, None, True, printer_poll=0.2)
    manager.start()
    assert "card reader simulated through the local API only" in caplog.text
    assert "scanner simulated through the local API only" in caplog.text
    assert manager.summary()["card_reader"] == "simulated through the local API"
    assert api.post("/local/v1/devices/simulate/card", json={"card_number": CARD}).json == {"via": "local API"}
    assert api.post("/local/v1/devices/simulate/scan", json={"code": BREAD}).json["via"] == "local API"
    assert _register_basket(api, 1)["member"]["card_number"] == CARD


def test_the_simulation_endpoints_refuse_when_devices_are_not_simulated(api):
    response = api.post("/local/v1/devices/simulate/scan", json={"code": BREAD})
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert api.get("/local/v1/devices").json == {"configured": False}
