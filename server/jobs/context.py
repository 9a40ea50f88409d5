"""How a job finds the database and settings: the app installs its services; a worker builds them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.services import Services

_services: Services | None = None


def install(services: Services) -> None:
    global _services
    _services = services


def job_services() -> Services:
    global _services
    if _services is None:
        from server.services import Services  # a worker process: build from the environment

        _services = Services.from_environment()
    return _services
