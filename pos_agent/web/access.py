"""Who may use the local API: the till's own register page and POS front end, not any web page.

Any page open in the till's browser can make it send "simple" cross-origin requests (a POST with a
``text/plain`` or form body) to ``http://127.0.0.1:8100``, and a DNS-rebinding page can read the
answers under a name of its own. So, before any view runs (``guard``):

- every request (GET too) must name one of the till's allowed hosts in ``Host``: a rebinding page
  sends its own name there;
- an ``Origin``, when the browser sends one, must be the agent's own origin;
- every state-changing request must carry the till key in ``X-OneCard-Till-Key``. Another origin can
  neither read the key (it is in the register page and in a file in the data dir) nor send a custom
  header without a CORS preflight, which the agent never grants (it sends no Access-Control headers).

The till key is generated at the agent's first start and kept in its data dir, or given by a setting.
"""

from __future__ import annotations

import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import request

from pos_agent.exceptions import (
    ForeignOrigin,
    HostNotAllowed,
    TillKeyMissing,
    TillKeyWrong,
    UnsupportedBody,
)

KEY_HEADER = "X-OneCard-Till-Key"
KEY_ENV = "ONECARD_AGENT_KEY"
HOSTS_ENV = "ONECARD_AGENT_ALLOWED_HOSTS"
DEFAULT_HOSTS = "localhost,127.0.0.1,[::1]"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MIN_KEY_LENGTH = 16


def host_name(host: str) -> str:
    """``Host`` without its port, lower case, IPv6 without brackets: ``[::1]:8100`` -> ``::1``."""
    try:
        return (urlsplit("//" + host.strip()).hostname or "").lower()
    except ValueError:  # an unclosed "[" and the like: a name no till is configured with
        return ""


def parse_hosts(text: str) -> frozenset[str]:
    """The comma-separated allowed host names of a setting, port-insensitive."""
    names = frozenset(host_name(part) for part in text.split(",") if part.strip())
    if not names or "" in names:
        raise ValueError(f"{HOSTS_ENV}: give host names separated by commas, e.g. {DEFAULT_HOSTS}")
    return names


def key_path(data_dir: Path, store: str, terminal: str) -> Path:
    """Where an agent keeps its till key, beside its SQLite file (several tills may share a data dir)."""
    return Path(data_dir) / f"agent-{store}-{terminal}.key"


def load_or_create_key(path: Path) -> str:
    """The key kept at ``path``, created (readable by this user only) at the agent's first start."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".till-key-")  # mode 0600
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
        try:  # a link never replaces a key another start made meanwhile: the file appears whole or not at all
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()


@dataclass(frozen=True)
class LocalAccess:
    """The till key and the host names this till answers to."""

    key: str = field(repr=False)  # never in a log line or a traceback
    allowed_hosts: frozenset[str] = parse_hosts(DEFAULT_HOSTS)

    def __post_init__(self) -> None:
        if len(self.key) < MIN_KEY_LENGTH:
            raise ValueError(f"the till key ({KEY_ENV} or the key file) must be at least {MIN_KEY_LENGTH} characters")

    @classmethod
    def for_till(cls, data_dir: Path, store: str, terminal: str, key: str | None = None,
                 hosts: str = DEFAULT_HOSTS) -> LocalAccess:
        """The given key (a setting), else the one kept in the data dir; ``hosts`` comma-separated."""
        allowed = parse_hosts(hosts)  # a bad setting stops the start before a key file is made
        return cls((key or "").strip() or load_or_create_key(key_path(data_dir, store, terminal)), allowed)

    def check(self) -> None:
        """Refuse the current request unless the till's own page or front end could have sent it."""
        if host_name(request.host) not in self.allowed_hosts:
            raise HostNotAllowed(request.host)
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() != f"{request.scheme}://{request.host}".lower():
            raise ForeignOrigin(origin)
        if request.method in STATE_CHANGING:
            self._check_key(request.headers.get(KEY_HEADER))
            _check_body_type()

    def _check_key(self, given: str | None) -> None:
        if not given:
            raise TillKeyMissing(KEY_HEADER)
        if not hmac.compare_digest(given.encode(), self.key.encode()):
            raise TillKeyWrong(KEY_HEADER)


def _check_body_type() -> None:
    """A body, if any, must be JSON: form and ``text/plain`` posts are what other pages can send."""
    has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if (has_body or request.content_type) and not request.is_json:
        raise UnsupportedBody(request.mimetype or "(none)")
