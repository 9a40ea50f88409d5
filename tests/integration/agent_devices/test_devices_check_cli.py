"""``onecard devices check`` as operators run it: one line per finding, one per problem, exit 1 on any."""

from __future__ import annotations

import subprocess
import sys

from tests.devices_support.fixtures import free_port
from tests.support.processes import REPO, onecard_env


def _check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", "devices", "check", *args], env=onecard_env(),
                          cwd=REPO, capture_output=True, text=True, timeout=60)


def test_a_terminal_whose_devices_are_all_there_checks_ok(tmp_path, pcscd, pty_pair, printer_sink):
    devices = tmp_path / "devices.json"
    devices.write_text(f'{{"card_reader": {{"match": "{pcscd.reader}"}}, "scanner": {{"port": "{pty_pair.host_end}"}},'
                       f' "printer": {{"kind": "network", "address": "127.0.0.1:{printer_sink.port}"}}}}')
    done = _check("--devices", str(devices))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"[ok] card reader: reader found: {pcscd.reader}" in done.stdout
    assert f"[ok] scanner: {pty_pair.host_end} opens" in done.stdout
    assert f"[ok] printer: network printer 127.0.0.1:{printer_sink.port}: reachable, online, paper ok" in done.stdout
    assert done.stdout.strip().endswith("all devices ok")


def test_each_missing_device_is_one_clear_problem_line(tmp_path):
    port = free_port()
    devices = tmp_path / "devices.toml"
    devices.write_text(f'[card_reader]\nmatch = "ACR122"\n[scanner]\nport = "{tmp_path}/ttyACM9"\n'
                       f'[printer]\nkind = "network"\naddress = "127.0.0.1:{port}"\ntimeout = 0.5\n')
    done = _check("--devices", str(devices))
    problems = [line for line in done.stdout.splitlines() if line.startswith("[PROBLEM]")]
    assert done.returncode == 1
    assert len(problems) == 3, done.stdout
    assert problems[0].startswith("[PROBLEM] card reader: ")  # no matching reader, or no pcscd at all
    assert problems[1] == f"[PROBLEM] scanner: {tmp_path}/ttyACM9 does not exist"
    assert problems[2].startswith(f"[PROBLEM] printer: network printer 127.0.0.1:{port}: ")
    assert "unreachable" in problems[2]
    assert done.stdout.strip().endswith("3 problem(s)")


def test_a_broken_device_file_is_one_line_naming_the_field(tmp_path):
    devices = tmp_path / "devices.toml"
    devices.write_text('[printer]\nkind = "bluetooth"\naddress = "x"\n')
    done = _check("--devices", str(devices))
    assert done.returncode == 1
    assert done.stderr.strip() == (f"Error: device file {devices}: printer.kind: must be one of network, serial, "
                                   "file, usb")
