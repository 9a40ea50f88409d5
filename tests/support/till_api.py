"""Reaching an agent's local API with its till key, the way a POS front end gets it.

A front end on the till either is given the key by the same setting as the agent
(``ONECARD_AGENT_KEY``), or reads the key file the agent keeps in its data dir
(``DATA_DIR/agent-STORE-TERMINAL.key``). In-process tests use the first, process tests the second.
"""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from pos_agent.web.access import DEFAULT_HOSTS, KEY_HEADER, LocalAccess, key_path, parse_hosts
from pos_agent.web.app import create_app

TILL_KEY = "till-key-of-the-test-till-0123456789"


def till_access(hosts: str = DEFAULT_HOSTS) -> LocalAccess:
    """The access of a till given its key by the setting, answering to ``hosts``."""
    return LocalAccess(TILL_KEY, parse_hosts(hosts))


def local_client(agent, access: LocalAccess | None = None) -> FlaskClient:
    """A test client of the agent's app that sends the till key with every request."""
    access = access or till_access()
    client = create_app(agent, access).test_client()
    client.environ_base["HTTP_" + KEY_HEADER.upper().replace("-", "_")] = access.key
    return client


def key_header(data_dir: Path, store: str, terminal: str) -> dict[str, str]:
    """The till key header for an agent process, from the file it keeps in its data dir."""
    return {KEY_HEADER: key_path(data_dir, store, terminal).read_text().strip()}
