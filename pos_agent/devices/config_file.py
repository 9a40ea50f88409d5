"""The per-terminal device file (TOML or JSON) given by ``onecard agent --devices FILE``."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from devices.config import DeviceConfig
from devices.exceptions import ConfigError


def read_device_file(path: str | Path) -> dict[str, Any]:
    """The file's content as a dict: ``.json`` is JSON, anything else TOML."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    try:
        raw = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(path), f"not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(str(path), "must hold a table of device sections")
    return raw


def load_device_config(path: str | Path) -> DeviceConfig:
    """Parse and validate a device file; raises ConfigError naming the file or the bad field."""
    return DeviceConfig.from_dict(read_device_file(path))
