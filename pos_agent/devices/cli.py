"""``onecard devices check``: what this terminal's devices look like, one line per finding."""

from __future__ import annotations

from pathlib import Path

import click

from devices.check import CheckResult, check_devices
from devices.config import DeviceConfig, ReaderConfig
from devices.exceptions import ConfigError
from pos_agent.devices.config_file import load_device_config

# Without a device file: list every reader and serial port found, configure nothing else.
DISCOVER = DeviceConfig(card_reader=ReaderConfig())


@click.group("devices")
def devices() -> None:
    """The till's card reader, barcode scanner and receipt printer."""


@click.command("check")
@click.option("--devices", "devices_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the terminal's device file (TOML or JSON); without it, list what is attached")
def check(devices_file: Path | None) -> None:
    """List the readers, serial ports and printer found, with one line per problem (exit 1 if any)."""
    try:
        config = load_device_config(devices_file) if devices_file else DISCOVER
    except ConfigError as exc:
        raise click.ClickException(f"device file {devices_file}: {exc}") from None
    results = check_devices(config)
    for result in results:
        click.echo(str(result))
    problems = [r for r in results if not r.ok]
    click.echo(summary(problems))
    if problems:
        raise SystemExit(1)


def summary(problems: list[CheckResult]) -> str:
    return f"{len(problems)} problem(s)" if problems else "all devices ok"


devices.add_command(check)
