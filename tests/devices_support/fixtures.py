"""Fixtures for the device integration tests: the real stacks, with simulated devices.

Debian packages the tests need (the test script apt-get installs them)::

    pcscd vsmartcard-vpcd socat libpcsclite-dev gcc python3-dev

``libpcsclite-dev`` (+ a C compiler) is only for building ``pyscard`` from source; the other
Python packages are pyserial, python-escpos and python-stdnum (Pillow comes with escpos).

Daemons, all on 127.0.0.1 and all started and stopped here:

* ``pcscd`` (session): one foreground pcscd per machine, with a private reader config that
  puts the vpcd virtual reader on port 25963/25964 (below the ephemeral range). It is
  started only if no pcscd runs (a leftover from a crashed run of ours is stopped first),
  waited for until it lists the reader, and SIGTERMed at the end. Needs root.
* ``pty_pair`` (per test): ``socat`` with two linked ptys in the test's tmp dir.
* ``printer_sink`` (per test): a TCP ESC/POS sink on an ephemeral port.

pcscd is one per machine, so sessions (xdist workers, parallel runs) take turns through a lock
file held from the daemon's start to its stop (devices.simulators.pcscd_turn); the card tests then
wait, never collide. They wait at most DEMO_WAIT for a running demo and SESSION_WAIT for another
session, then fail with a message naming who holds the turn.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from smartcard import scard

from devices.card_reader import PcscCardReader
from devices.events import ReaderAdded
from devices.exceptions import DeviceError
from devices.simulators.pcsc_daemon import PcscDaemon, stop_leftover_daemon
from devices.simulators.pcscd_turn import PcscdBusy, take_turn
from devices.simulators.printer_sink import PrinterSink
from devices.simulators.scanner_sim import PtyPair
from devices.simulators.virtual_card import VirtualCard
from tests.devices_support.recorder import EventRecorder

VPCD_PORT = 25963
DEMO_WAIT = 30.0  # a demo holds the turn until it is stopped
SESSION_WAIT = 1800.0  # another session holds it until its device tests are done


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for an unreachable printer)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscDaemon]:
    # pcscd is one per machine: xdist workers (or parallel runs) take turns through this lock,
    # held from start to stop of each session's daemon. A running demo holds it for as long as it
    # runs: the session then fails soon, naming the demo, instead of hanging.
    try:
        lock = take_turn("tests", wait_for_demo=DEMO_WAIT, wait_for_others=SESSION_WAIT)
    except PcscdBusy as busy:
        pytest.fail(str(busy))
    with lock:
        stop_leftover_daemon()
        daemon = PcscDaemon(VPCD_PORT, workdir=tmp_path_factory.mktemp("onecard-pcscd-"))
        if problems := daemon.problems():
            # scripts/test installs pcscd and vpcd: missing ones are a broken setup, not a skip.
            pytest.fail("cannot run pcscd: " + "; ".join(problems))
        try:
            daemon.start()
        except DeviceError as exc:
            pytest.fail(f"pcscd did not start: {exc}")
        try:
            yield daemon
        finally:
            daemon.stop()


def wait_reader_empty(reader: str, timeout: float = 5.0) -> None:
    """Block until pcscd reports no card in ``reader`` (it polls presence every 400 ms)."""
    rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rc != scard.SCARD_S_SUCCESS:
        return
    try:
        state = scard.SCARD_STATE_UNAWARE
        deadline_ms = int(timeout * 1000)
        while deadline_ms > 0:
            rc, states = scard.SCardGetStatusChange(context, 100, [(reader, state)])
            if rc == scard.SCARD_S_SUCCESS:
                state = states[0][1] & ~scard.SCARD_STATE_CHANGED
                if state & scard.SCARD_STATE_EMPTY:
                    return
            elif rc != scard.SCARD_E_TIMEOUT:
                return
            deadline_ms -= 100
        raise AssertionError(f"{reader} still holds a card after {timeout} s")
    finally:
        scard.SCardReleaseContext(context)


@pytest.fixture
def virtual_cards(pcscd: PcscDaemon) -> Iterator[Callable[..., VirtualCard]]:
    """Make virtual cards for the vpcd reader; all are removed (and seen removed) afterwards."""
    made: list[VirtualCard] = []

    def make(*args: object, **kwargs: object) -> VirtualCard:
        card = VirtualCard(*args, port=pcscd.port, **kwargs)  # type: ignore[arg-type]
        made.append(card)
        return card

    yield make
    for card in made:
        card.remove()
    wait_reader_empty(pcscd.reader)


@pytest.fixture
def card_reader(pcscd: PcscDaemon) -> Iterator[tuple[PcscCardReader, EventRecorder]]:
    """The real PC/SC adapter on the virtual reader, started, with its events recorded."""
    wait_reader_empty(pcscd.reader)
    recorder = EventRecorder()
    reader = PcscCardReader(pcscd.reader, backoff=(0.05, 0.3))
    reader.start(recorder)
    recorder.take(ReaderAdded)
    yield reader, recorder
    reader.stop()


@pytest.fixture
def pty_pair(tmp_path) -> Iterator[PtyPair]:
    pair = PtyPair(tmp_path)
    try:
        pair.start()
    except DeviceError as exc:
        pytest.fail(f"cannot make a pty pair (is socat installed?): {exc}")
    yield pair
    pair.stop()


@pytest.fixture
def printer_sink() -> Iterator[PrinterSink]:
    with PrinterSink() as sink:
        yield sink
