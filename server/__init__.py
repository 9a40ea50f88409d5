"""OneCard central membership server: REST API, database, jobs and the operator CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("onecard")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
