"""Give an agent its devices: from the terminal's device file, or simulated for a demo."""

from __future__ import annotations

import logging
from pathlib import Path

from devices.config import DeviceConfig
from pos_agent.devices.config_file import read_device_file
from pos_agent.devices.manager import DeviceManager
from pos_agent.devices.simulation import SimulatedDevices

log = logging.getLogger(__name__)


def wire_devices(agent, data_dir: Path, devices_file: Path | None, simulate: bool, *,
                 printer_poll: float = 5.0, simulation: SimulatedDevices | None = None) -> DeviceManager | None:
    """Build the device manager and hand it to ``agent`` (started with it); None without devices.

    Simulated devices replace the file's reader, scanner and printer (its barcode rules stay);
    receipts are then also written as text and PNG previews under ``data_dir/receipts``.

    ``simulation`` replaces the default simulators (tests share their pcscd through it).

    Raises:
        devices.exceptions.ConfigError: the device file is unreadable or invalid.
    """
    raw = read_device_file(devices_file) if devices_file else {}
    DeviceConfig.from_dict(raw)  # a bad file fails here, before any simulator starts
    if not raw and not simulate:
        return None
    if simulate:
        simulation = simulation or SimulatedDevices(Path(data_dir) / "devices")
        raw = {**raw, **simulation.start()}
    config = DeviceConfig.from_dict(raw)
    manager = DeviceManager(agent, config, printer_poll=printer_poll, simulation=simulation if simulate else None,
                            preview_dir=Path(data_dir) / "receipts" if simulate else None)
    agent.use_devices(manager)
    log.info("devices: %s", "; ".join(f"{k} {v}" for k, v in manager.summary().items()))
    return manager
