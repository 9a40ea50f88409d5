"""The README's main command, scripted: a trading day with store B offline, every figure checked."""

import random
import socket
import subprocess
import sys

import pytest

from tests.support.processes import REPO, onecard_env


def _free_base() -> int:
    """A port P with P, P+101 and P+102 free (the demo's server and two tills)."""
    for _ in range(50):
        base = random.randrange(20000, 30000)
        try:
            sockets = [socket.create_server(("127.0.0.1", base + offset)) for offset in (0, 101, 102)]
        except OSError:
            continue
        for sock in sockets:
            sock.close()
        return base
    raise RuntimeError("no free ports for the demo")


def test_the_scripted_demo_day_ends_with_every_balance_matching_and_the_overspend_reported(tmp_path):
    result = subprocess.run([sys.executable, "-m", "server.cli", "demo", "--scripted", "--port", str(_free_base()),
                             "--data-dir", str(tmp_path / "demo")], env=onecard_env(), cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "/admin/ - staff logins, one per role" in out
    assert all(f"    {name} / " in out for name in ("admin", "marketing", "service", "hq", "cashier", "manager"))
    pins = {row.split()[0]: row.split()[2] for row in out.splitlines() if row.startswith(("    cashier  PIN ",
                                                                                          "    manager  PIN "))}
    assert sorted(pins) == ["cashier", "manager"] and all(len(pin) == 4 and pin.isdigit() for pin in pins.values())
    assert "the cashier signs in at both tills with the PIN" in out  # the tills ask: the demo's staff have PINs
    assert "store B loses its link to HQ" in out and "the link returns" in out
    assert "every balance matches" in out and "DIFFERS" not in out
    taken = next(row for row in out.splitlines() if row.rstrip().endswith("at store A") and " takes " in row)
    assert " points" in taken  # the richest member took a reward with points, and the balances above hold
    exceptions = out.split("reconciliation exceptions:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    # The one exception is the overspend: the tills priced every honest sale, online and offline, as
    # the server does, and the seeded history was bought at the shelf prices the server has for it.
    assert len(exceptions) == 1 and exceptions[0].startswith("  overspend: offline redemption left the balance at -")
    vat = next(row for row in out.splitlines() if "VAT on B's offline receipt, per rate: " in row)
    assert "20%: " in vat  # the most expensive products (wine) are at the standard rate
    # Each feature seeded for the day applies at a till and says so (server.demo.feature_day).
    for shown in ("programme version 2: ", "earning rule on the receipt: Double points on dairy",
                  "'Spend 5.00 on snacks, 10% off snacks': ", "'25% off household, at most 2.00': 2.00 off",
                  "'Buy a pasta, a sauce half price': ", "uses 1 and 2 of 4, each reserved at the server",
                  "(its offline allowance is 1)", "A gives use 4 of 4 (1.00 off)", "tax classes: VAT on that receipt"):
        assert shown in out, shown
    assert "NOT APPLIED" not in out and "SOME FEATURE DID NOT APPLY" not in out
    enrolled = next(row for row in out.splitlines() if "Nora Newcomer" in row and row.rstrip().endswith("ok"))
    assert enrolled.split()[2] == "0"  # enrolled offline at store B with no points, then shopped


def test_a_demo_process_that_dies_at_start_is_reported_with_the_end_of_its_log(tmp_path):
    from server.demo.processes import DemoProcessError, base_env, onecard, wait_until

    process = onecard(["no-such-command"], base_env(), tmp_path / "broken.log")
    with pytest.raises(DemoProcessError, match=r"(?s)exited with code 2.*broken\.log.*No such command"):
        wait_until(lambda: False, "broken", process, timeout=30)
