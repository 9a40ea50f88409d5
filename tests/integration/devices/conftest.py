"""Device fixtures (real pcscd, socat ptys, a TCP printer sink) from tests.devices_support."""

from tests.devices_support.fixtures import (  # noqa: F401
    card_reader,
    pcscd,
    printer_sink,
    pty_pair,
    virtual_cards,
)
