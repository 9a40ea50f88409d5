"""Per-terminal device configuration from a plain dict."""

from __future__ import annotations

import pytest

from devices.config import DeviceConfig
from devices.exceptions import ConfigError
from loyalty.barcodes import CodeKind


def test_a_full_config_is_parsed():
    config = DeviceConfig.from_dict(
        {
            "terminal": "042-3",
            "card_reader": {"match": "ACR122"},
            "scanner": {"port": "/dev/ttyACM0", "suffix": "CRLF", "prefix": "]E0"},
            "printer": {"kind": "network", "address": "10.0.0.50", "profile": "TM-T88III"},
            "barcodes": {
                "member_prefixes": ["27", "26"],
                "variable_measure": [{"prefix": "29", "kind": "price"}],
            },
        }
    )
    assert config.scanner.framing.suffix == "crlf"
    assert config.scanner.framing.prefix == b"]E0"
    assert config.printer.host_port() == ("10.0.0.50", 9100)
    assert config.barcodes.member_prefixes == ("27", "26")
    assert config.barcodes.layouts[0].kind is CodeKind.PRICE_ITEM


def test_missing_sections_mean_no_such_device():
    config = DeviceConfig.from_dict({})
    assert (config.card_reader, config.scanner, config.printer) == (None, None, None)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"scanner": {"port": "/dev/x", "suffix": "tab"}}, "scanner.suffix"),
        ({"scanner": {"suffix": "cr"}}, "scanner.port"),
        ({"printer": {"kind": "cups", "address": "x"}}, "printer.kind"),
        ({"printer": {"kind": "usb", "address": "zz:01"}}, "printer.address"),
        ({"scanner": {"port": "/dev/x", "baudrate": "fast"}}, "scanner.baudrate"),
        ({"card_reader": {"aid": "F0XY"}}, "card_reader.aid"),
    ],
)
def test_a_bad_value_names_its_field(raw, field):
    with pytest.raises(ConfigError) as caught:
        DeviceConfig.from_dict(raw)
    assert caught.value.field == field
