"""The store-side POS agent: one process per terminal with a local SQLite cache and journal,
the checkout service, sync with the central server (feed down, journal up) and the register page.

Talks to the server only over signed HTTP (``store_sync.http``); never imports ``server``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("onecard")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
