"""Run a private pcscd in the foreground with the vpcd virtual reader on a chosen port.

pcscd always serves ``/run/pcscd/pcscd.comm``, so there is one per machine and it needs root.
Its ``--config`` directory is parsed file by file, so the log lives elsewhere (pcscd would
otherwise parse its own log while writing it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from devices.exceptions import DeviceError
from devices.simulators.virtual_card import DEFAULT_VPCD_PORT

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
PID_FILE = Path("/run/pcscd/pcscd.pid")
READER_NAME = "Virtual PCD"
_MARKER = "onecard-pcscd-"


def running_pcscd() -> int | None:
    """PID of a live pcscd that owns the machine's PC/SC socket, if any."""
    try:
        pid = int(PID_FILE.read_text().strip("\x00 \n"))
    except (OSError, ValueError):
        return None
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None
    return None if state == "Z" else pid


def _parent_alive(pid: int) -> bool:
    try:
        ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return False
    return ppid > 1 and Path(f"/proc/{ppid}").exists()


def stop_leftover_daemon(timeout: float = 5.0) -> bool:
    """SIGTERM a pcscd that an earlier PcscDaemon started and never stopped (crashed run).

    Only an orphan whose command line carries our work-dir marker is touched, never a pcscd
    that a live process (another test run) still owns. True if one was stopped.
    """
    pid = running_pcscd()
    if pid is None or _parent_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    if _MARKER.encode() not in cmdline:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while running_pcscd() == pid and time.monotonic() < deadline:
        time.sleep(0.02)
    return True


def pcsc_readers() -> list[str] | None:
    """Reader names pcscd reports now; None when pcscd cannot be reached."""
    from smartcard import scard

    rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rc != scard.SCARD_S_SUCCESS:
        return None
    try:
        rc, names = scard.SCardListReaders(context, [])
        return list(names or []) if rc == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class PcscDaemon:
    """A foreground pcscd with one vpcd reader (two slots: ``port`` and ``port + 1``)."""

    def __init__(self, port: int = DEFAULT_VPCD_PORT, workdir: Path | None = None) -> None:
        self.port = port
        self.reader = f"{READER_NAME} 00 00"
        self._workdir = Path(workdir or tempfile.mkdtemp(prefix=_MARKER))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self._workdir / "pcscd.log"

    def problems(self) -> list[str]:
        """Why this daemon cannot start here, one line per problem (empty when it can)."""
        found = []
        if shutil.which("pcscd") is None:
            found.append("pcscd is not installed (Debian package pcscd)")
        if not VPCD_DRIVER.exists():
            found.append(f"{VPCD_DRIVER} missing (Debian package vsmartcard-vpcd)")
        if (pid := running_pcscd()) is not None and pid != self.pid:
            found.append(f"another pcscd (pid {pid}) is running; only one per machine")
        return found

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 10.0) -> None:
        """Start pcscd and return once it lists the virtual reader."""
        if problems := self.problems():
            raise DeviceError("; ".join(problems))
        busy = [p for p in (self.port, self.port + 1) if not _port_free(p)]
        if busy:
            raise DeviceError(f"vpcd port(s) {busy} already in use")
        config = self._workdir / "reader.conf.d"
        config.mkdir(parents=True, exist_ok=True)
        (config / "vpcd").write_text(
            f'FRIENDLYNAME "{READER_NAME}"\nDEVICENAME /dev/null:0x{self.port:04X}\n'
            f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{self.port:04X}\n"
        )
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                ["pcscd", "--foreground", "--info", "--config", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.reader not in (pcsc_readers() or []):
            if self._process is None or self._process.poll() is not None:
                raise DeviceError(f"pcscd exited early: {self.tail_log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise DeviceError(f"pcscd not ready in {timeout} s: {self.tail_log()}")
            time.sleep(0.02)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the daemon we started (SIGKILL leaves a stale pid file) and wait for it."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        if running_pcscd() is None:
            with contextlib.suppress(OSError):
                PID_FILE.unlink()  # stale after a SIGKILL

    def tail_log(self, size: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return "(no log)"

    def __enter__(self) -> PcscDaemon:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
