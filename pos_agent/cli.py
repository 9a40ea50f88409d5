"""``onecard agent``: run one terminal's agent (registered through the ``onecard.commands`` group)."""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
from datetime import timedelta
from pathlib import Path

import click

from devices.exceptions import ConfigError
from pos_agent.checkout.cashiers import DEFAULT_IDLE_LOCK, DEFAULT_REFUND_LIMIT_MINOR
from pos_agent.checkout.service import Till
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from pos_agent.web.access import DEFAULT_HOSTS, HOSTS_ENV, KEY_ENV, LocalAccess
from pos_agent.web.app import create_app
from store_sync.exceptions import CredentialError
from store_sync.signing import TerminalCredential

log = logging.getLogger("onecard.agent")
CREDENTIAL_ENV = "ONECARD_TERMINAL_CREDENTIAL"


def read_credential(credential_file: Path | None) -> TerminalCredential:
    """The terminal credential from a file, or else from the environment."""
    text = credential_file.read_text() if credential_file else os.environ.get(CREDENTIAL_ENV, "")
    if not text.strip():
        raise click.UsageError(f"give the terminal credential in {CREDENTIAL_ENV} or with --credential-file")
    try:
        return TerminalCredential.parse(text)
    except CredentialError as exc:
        raise click.UsageError(str(exc)) from None


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(0)


@click.command("agent")
@click.option("--store", required=True, help="this till's store code")
@click.option("--terminal", required=True, help="this till's terminal code")
@click.option("--server", "server_url", required=True,
              help="the central server, e.g. http://hq:8000; several instances comma-separated "
                   "(the till moves on to the next when one fails)")
@click.option("--port", default=8100, show_default=True, help="port of the local API and register page")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("agent-data"),
              show_default=True, help="where the till's SQLite file lives")
@click.option("--credential-file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None)
@click.option("--devices", "devices_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="this till's card reader, scanner and printer (TOML or JSON)")
@click.option("--simulate-devices", is_flag=True, help="simulated scanner, printer and card reader for demos")
@click.option("--allowed-hosts", envvar=HOSTS_ENV, default=DEFAULT_HOSTS, show_default=True,
              help=f"host names the local API answers to, comma-separated (or {HOSTS_ENV}); add the till's "
                   "LAN name or address for a register on a tablet")
@click.option("--journal-retention-days", type=click.FloatRange(min=0), default=7, show_default=True,
              envvar="ONECARD_JOURNAL_RETENTION_DAYS",
              help="days a journal item the server acknowledged is kept at the till before it is deleted")
@click.option("--refund-approval-limit", type=click.IntRange(min=0), default=DEFAULT_REFUND_LIMIT_MINOR,
              show_default=True, envvar="ONECARD_REFUND_APPROVAL_LIMIT",
              help="minor units a refund may reach without a manager's PIN (where cashiers sign in)")
@click.option("--idle-lock-minutes", type=click.IntRange(min=0), show_default=True, envvar="ONECARD_IDLE_LOCK_MINUTES",
              default=int(DEFAULT_IDLE_LOCK.total_seconds() // 60),
              help="minutes without input after which the register page locks and asks for the cashier's PIN "
                   "(where cashiers sign in); 0: never")
def agent(store: str, terminal: str, server_url: str, port: int, host: str, data_dir: Path,
          credential_file: Path | None, devices_file: Path | None, simulate_devices: bool,
          allowed_hosts: str, journal_retention_days: float, refund_approval_limit: int,
          idle_lock_minutes: int) -> None:
    """Run the POS agent of one terminal: local API, register page, sync with the server.

    State-changing calls to the local API need the till key: ONECARD_AGENT_KEY if set, else the key
    generated at the first start in DATA_DIR/agent-STORE-TERMINAL.key.
    """
    from werkzeug.serving import make_server

    from pos_agent.devices.wiring import wire_devices

    link = HttpServerLink(read_credential(credential_file), server_url)
    try:
        access = LocalAccess.for_till(data_dir, store, terminal, os.environ.get(KEY_ENV), allowed_hosts)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    running = Agent.open(data_dir, link, Till(store, terminal),
                         timing=Timing(journal_retention=timedelta(days=journal_retention_days)),
                         refund_limit_minor=refund_approval_limit,
                         idle_lock=timedelta(minutes=idle_lock_minutes) if idle_lock_minutes else None)
    try:
        wire_devices(running, data_dir, devices_file, simulate_devices)
    except ConfigError as exc:
        running.db.close()
        raise click.UsageError(f"device file {devices_file}: {exc}") from None
    try:
        server = make_server(host, port, create_app(running, access), threaded=True)
    except OSError:  # the port is taken: stop the simulators already started
        if running.devices is not None:
            running.devices.stop()
        running.db.close()
        raise
    if simulate_devices:  # the simulators are child processes (socat, pcscd): stop them on SIGTERM too
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # A till that hangs can be asked where: kill -USR1 writes every thread's stack to stderr, beside the log.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    running.start()
    log.info("agent %s/%s listening on http://%s:%d for hosts %s, server %s, data %s", store, terminal, host,
             server.server_port, ",".join(sorted(access.allowed_hosts)), server_url, running.db.path)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
