"""End to end: ``onecard agent --devices FILE`` as a real process, synced with the real server, with a
virtual card on pcscd's vpcd reader, a scanner on a socat pty and the TCP printer sink.

A card put on the reader and three scanned barcodes make a member sale; the printer sink receives
its receipt with the member's points, and the server's ledger gets them.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from devices.simulators.escpos_decode import decode
from devices.simulators.scanner_sim import ScannerSimulator
from tests.devices_support.fixtures import free_port, wait_reader_empty
from tests.devices_support.jammed_card import JammedCard
from tests.integration.agent.catalogue import STORE
from tests.integration.agent.live import wait_until
from tests.support.factories import make_terminal
from tests.support.processes import REPO, onecard_env
from tests.support.till_api import key_header

WINE, COFFEE, BREAD = "4001686301265", "4000417025005", "4006381333931"
UID = bytes.fromhex("04A1B2C3D4E5F6")


class AgentProcess:
    """``python -m server.cli agent ...`` with its log in a file; stopped with Ctrl-C (SIGINT)."""

    def __init__(self, args: list[str], log_path, data_dir) -> None:
        self.port = free_port()
        self.log_path, self.data_dir = log_path, data_dir
        with open(log_path, "w") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "server.cli", "agent", "--port", str(self.port),
                                             *args], env=onecard_env(), cwd=REPO, stdout=log, stderr=log)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/local/v1{path}"

    def get(self, path: str) -> dict:
        return requests.get(self.url(path), timeout=5).json()

    def post(self, path: str, body: dict | None = None) -> dict:
        response = requests.post(self.url(path), json=body, headers=key_header(self.data_dir, STORE, "T1"), timeout=5)
        assert response.ok, response.text
        return response.json()

    def status_when(self, ready, what: str) -> dict:
        def check():
            assert self.process.poll() is None, f"agent exited: {self.log_path.read_text()}"
            try:
                status = self.get("/status")
            except requests.ConnectionError:
                return None
            return status if ready(status) else None

        wait_until(check, timeout=20, what=what)
        return self.get("/status")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:  # the failure then shows in the log where each thread was
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(1)
            self.process.kill()
            return self.process.wait(5)


@pytest.fixture
def agent_process(live_server, tmp_path, pcscd, pty_pair, printer_sink) -> Iterator[AgentProcess]:
    wait_reader_empty(pcscd.reader)
    credential = tmp_path / "terminal.credential"
    credential.write_text(str(make_terminal(live_server.services, STORE, "T1")))
    devices = tmp_path / "devices.toml"
    devices.write_text(f'terminal = "T1"\n[card_reader]\nmatch = "{pcscd.reader}"\n'
                       f'[scanner]\nport = "{pty_pair.host_end}"\nsuffix = "cr"\n'
                       f'[printer]\nkind = "network"\naddress = "127.0.0.1:{printer_sink.port}"\n')
    agent = AgentProcess(["--store", STORE, "--terminal", "T1", "--server", live_server.url,
                          "--data-dir", str(tmp_path / "agent"), "--credential-file", str(credential),
                          "--devices", str(devices)], tmp_path / "agent.log", tmp_path / "agent")
    yield agent
    assert agent.stop() == 0, agent.log_path.read_text()


def _devices_ready(status: dict) -> bool:
    health = status["device_health"]
    return (status["mode"] == "online" and status["data_as_of"] is not None and health["card_reader"]["readers"]
            and health["scanner"]["connected"] and health["printer"]["checked"])


def test_a_card_and_three_scans_at_a_running_agent_make_a_member_sale_whose_receipt_shows_the_points(
        live_server, agent_process, pcscd, virtual_cards, pty_pair, printer_sink):
    member_id, card = live_server.enrol(points=5000)
    status = agent_process.status_when(_devices_ready, "the agent synced with its devices ready")
    assert status["devices"]["printer"] == "online, paper ok"

    virtual_cards(card, UID).insert()
    with ScannerSimulator(pty_pair.scanner_end, suffix="cr") as scanner:
        for code in (WINE, COFFEE, BREAD):
            scanner.scan(code)

    def basket():
        basket_id = agent_process.get("/devices")["basket_id"]
        found = basket_id and agent_process.get(f"/baskets/{basket_id}")
        return found if found and len(found["lines"]) == 3 and found["member"] else None

    wait_until(basket, timeout=10, what="three items and the member on the register's basket")
    sale = basket()
    assert sale["member"]["card_number"] == card and sale["member"]["source"] == "server"
    agent_process.post(f"/baskets/{sale['id']}/tenders", {"kind": "cash", "amount_minor": 3000})
    done = agent_process.post(f"/baskets/{sale['id']}/complete")
    assert (done["total"], done["points"]["to_earn"], done["change"]) == (2618, 26, 382)

    receipt = decode(printer_sink.wait_jobs(1, timeout=10)[0])
    lines = [" ".join(line.split()) for line in receipt.text_lines]
    assert "Points earned +26" in lines and "New balance 5026" in lines
    assert "TOTAL EUR 26.18" in lines and "Change 3.82" in lines
    assert receipt.qr_codes == [done["receipt_id"]] and receipt.cuts
    wait_until(lambda: live_server.account(member_id).balance == 5026, timeout=10, what="the points on the server")


def test_ctrl_c_stops_a_running_agent_within_seconds_while_its_card_reader_waits_on_a_jammed_card(
        live_server, agent_process, pcscd):
    agent_process.status_when(_devices_ready, "the agent synced with its devices ready")
    with JammedCard(port=pcscd.port) as card:
        assert card.asked.wait(10), "the agent did not read the card"
        started = time.monotonic()
        assert agent_process.stop() == 0, agent_process.log_path.read_text()
        took = time.monotonic() - started
    wait_reader_empty(pcscd.reader)
    assert took < 3.5, f"the agent took {took:.1f} s to stop"
    assert "a PC/SC call still blocks after 1 s; not waiting for it" in agent_process.log_path.read_text()
