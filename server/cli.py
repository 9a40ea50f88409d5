"""The `onecard` command: server, worker, scheduler, database, users, stores and terminals.

Other packages add their commands (the POS agent's `agent`, `demo`) through the
``onecard.commands`` entry-point group, so the server never imports the agent.
"""

from __future__ import annotations

import logging
import sys
from importlib.metadata import entry_points

import click

from server import __version__
from server.audit import Actor
from server.db import DEFAULT_POOL_SIZE
from server.exceptions import ConfigError, OneCardError
from server.settings import Settings
from server.wsgi import DEFAULT_KEEP_ALIVE, DEFAULT_READ_TIMEOUT

log = logging.getLogger("onecard")


def _setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _settings(ctx: click.Context) -> Settings:
    if "settings" not in ctx.obj:
        ctx.obj["settings"] = Settings.load()
    return ctx.obj["settings"]


def _services(ctx: click.Context, threads: int = DEFAULT_POOL_SIZE):
    """The command's services, for a process serving ``threads`` requests or jobs at a time."""
    from server.services import Services

    if "services" not in ctx.obj:
        ctx.obj["services"] = Services.build(_settings(ctx), threads=threads)
    return ctx.obj["services"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="onecard")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """OneCard: retail membership and loyalty. Settings come from ONECARD_* variables."""
    ctx.ensure_object(dict)
    _setup_logging()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Requests each worker serves at once (one thread each).")
@click.option("--read-timeout", default=DEFAULT_READ_TIMEOUT, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds a client has to send a whole request once it starts; then 408 and dropped.")
@click.option("--keep-alive", default=DEFAULT_KEEP_ALIVE, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds an idle client connection stays open for the client's next request.")
@click.option("--journal-slots", default=None, type=click.IntRange(1, 64),
              help="Journal batches each worker applies at once; more are answered 503 with Retry-After "
                   "[default: half the threads, at least 1].")
@click.option("--dev", is_flag=True, help="Use Flask's development server (reloader off).")
@click.pass_context
def server(ctx: click.Context, host: str, port: int, workers: int, threads: int, read_timeout: int,
           keep_alive: int, journal_slots: int | None, dev: bool) -> None:
    """Run the central server (gunicorn; the Flask dev server with --dev)."""
    from server.admission import JournalSlots
    from server.app import create_app
    from server.dbmigrate import is_up_to_date

    services = _services(ctx, threads=threads)
    # Each worker gets its own copy at the fork: the limit is per process, like its threads.
    services.journal_slots = JournalSlots(journal_slots or max(1, threads // 2))
    if not is_up_to_date(services.db.engine):
        raise click.ClickException("the database schema is not up to date; run: onecard db upgrade")
    _publish_program(services)
    app = create_app(services=services)
    settings = services.settings
    runner = "flask dev server" if dev else _gunicorn_description(settings, workers, threads, read_timeout,
                                                                   keep_alive, services.journal_slots.slots)
    log.info("OneCard server listening on http://%s:%d (database: %s, queue: %s, %s)", host, port,
             settings.database_url_safe, settings.queue_description, runner)
    if dev:
        app.run(host=host, port=port, use_reloader=False)
        return
    from server.wsgi import GunicornApp

    # The master is done with the database: close its connections rather than fork them into
    # every worker (each worker also drops whatever it inherited, see Services.after_fork).
    services.dispose()
    GunicornApp(app, {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                      "keepalive": keep_alive, "accesslog": "-", "timeout": 60},
                read_timeout=read_timeout, after_fork=services.after_fork).run()


def _gunicorn_description(settings: Settings, workers: int, threads: int, read_timeout: int,
                          keep_alive: int, journal_slots: int) -> str:
    text = (f"gunicorn, {workers} workers x {threads} threads, read timeout {read_timeout} s, "
            f"keep-alive {keep_alive} s, {journal_slots} journal batches at once per worker")
    if settings.database_url.startswith("postgresql"):
        size, overflow = settings.database_pool(threads)
        text += f", up to {workers * (size + overflow)} database connections ({size}+{overflow} per worker)"
    if settings.reports_url != settings.database_url and settings.reports_url.startswith("postgresql"):
        size, overflow = settings.database_pool(threads)
        text += f", up to {workers * (size + overflow)} more to the reports' database"
    return text


def _publish_program(services) -> None:
    """Put the chain's loyalty programme (every version in the database) on the change feed if it changed."""
    from server.membership.publishing import publish_program_if_changed

    with services.db.session() as session:
        publish_program_if_changed(session, services.program, services.settings.currency, services.clock())
        session.commit()


@cli.command()
@click.option("--burst", is_flag=True, help="Run the jobs queued now, then exit.")
@click.pass_context
def worker(ctx: click.Context, burst: bool) -> None:
    """Run an rq worker for background jobs (needs ONECARD_REDIS_URL)."""
    from rq import Worker

    services = _services(ctx)
    if services.jobs.queue is None:
        raise click.ClickException("ONECARD_REDIS_URL is not set: without Redis, jobs run "
                                   "in-process inside the server and no worker is needed")
    log.info("OneCard worker on queue %r (%s, database: %s)", services.settings.queue_name,
             services.settings.queue_description, services.settings.database_url_safe)
    Worker([services.jobs.queue], connection=services.jobs.queue.connection).work(
        burst=burst, with_scheduler=True, logging_level="INFO")


@cli.command()
@click.pass_context
def scheduler(ctx: click.Context) -> None:
    """Run scheduled jobs: rq's cron scheduler with Redis, an in-process loop without."""
    from server.jobs.scheduler import run_scheduler

    run_scheduler(_services(ctx))


@cli.command()
@click.option("--scripted", is_flag=True, help="Play a trading day, print the end-of-day summary and exit.")
@click.option("--data-dir", type=click.Path(file_okay=False), default="data/demo", show_default=True,
              help="Wiped and re-seeded on every start.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Server port.")
def demo(scripted: bool, data_dir: str, port: int) -> None:
    """Run OneCard on embedded defaults: the server and two stores' tills, with a seeded chain."""
    from pathlib import Path

    from server.demo.runner import Demo, wait_for_interrupt
    from server.demo.trading_day import play

    running = Demo(Path(data_dir).resolve(), port, {"A": port + 101, "B": port + 102})
    try:
        running.start(click.echo)
        _show_demo(running)
        if scripted:
            if not play(running, click.echo):
                raise click.ClickException("the end-of-day figures do not match")
            return
        click.echo("running until Ctrl-C")
        wait_for_interrupt(running, click.echo, sys.stdin)
    finally:
        running.stop()


def _show_demo(running) -> None:
    chain = running.chain
    click.echo(f"OneCard demo: server {running.server_url}/api/v1 (database and logs in {running.root})")
    for store in ("A", "B"):
        click.echo(f"  register of store {store}: {running.agent_url(store)}/  "
                   f"(simulated devices; receipts as text and PNG in {running.root / f'till-{store}' / 'receipts'})")
    from server.demo.seed import DEMO_STAFF

    click.echo(f"  back office: {running.server_url}/admin/ - staff logins, one per role "
               "(demo passwords, made for this run):")
    for username, role, what in DEMO_STAFF:
        click.echo(f"    {username} / {chain.logins[username]}  ({role}: {what})")
    click.echo("  register sign-in (till PINs, made for this run): tap the name on the register, then the PIN:")
    click.echo(f"    cashier  PIN {chain.pins['cashier']}  (sells; the same PIN unlocks a till locked when idle)")
    click.echo(f"    manager  PIN {chain.pins['manager']}  (approves voids and refunds above the till's limit)")
    sample = chain.members[:3]
    click.echo("  member cards: " + ", ".join(f"{m['card']} ({m['name']}, {m['tier']})" for m in sample))
    click.echo("  barcodes: " + ", ".join(list(chain.barcodes.values())[:5]))


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations up to REVISION."""
    from server.dbmigrate import current_revisions, upgrade
    from server.membership.program import starter_body

    services = _services(ctx)
    upgrade(services.db.engine, revision, programme_seed=starter_body(services.settings))
    _publish_program(services)
    click.echo(f"database {services.settings.database_url_safe} is at revision "
               f"{', '.join(sorted(current_revisions(services.db.engine)))}")


@cli.group()
def users() -> None:
    """Staff users."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True,
              type=click.Choice(["cashier", "manager", "marketing", "member_service", "hq", "admin"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def users_create(ctx: click.Context, username: str, role: str, password_stdin: bool) -> None:
    """Create a staff user (the password is prompted for, or read from stdin)."""
    from server.staff import create_staff_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    services = _services(ctx)
    with services.db.session() as session:
        user = create_staff_user(session, username, password, role, services.clock(),
                                 Actor.system("cli"))
        session.commit()
    click.echo(f"created {user.role} user {user.username!r}")


@cli.group()
def stores() -> None:
    """Stores."""


@stores.command("create")
@click.option("--code", required=True)
@click.option("--name", default="")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone of the store.")
@click.pass_context
def stores_create(ctx: click.Context, code: str, name: str, timezone: str) -> None:
    """Create a store."""
    from server.terminals import create_store

    services = _services(ctx)
    with services.db.session() as session:
        store = create_store(session, code, name, timezone, services.clock(), Actor.system("cli"))
        session.commit()
    click.echo(f"created store {store.code!r} ({store.timezone})")


@cli.group()
def terminals() -> None:
    """Store terminals (tills) and their credentials."""


@terminals.command("register")
@click.option("--store", "store_code", required=True, help="Store code; created if new.")
@click.option("--terminal", "terminal_code", required=True, help="Terminal code within the store.")
@click.option("--timezone", default="UTC", show_default=True, help="Time zone for a new store.")
@click.pass_context
def terminals_register(ctx: click.Context, store_code: str, terminal_code: str, timezone: str) -> None:
    """Register a terminal and print its credential ONCE (only its public key is kept)."""
    from sqlalchemy import select

    from server.models import Store
    from server.terminals import create_store, register_terminal

    services = _services(ctx)
    with services.db.session() as session:
        store = session.scalar(select(Store).where(Store.code == store_code))
        if store is None:
            store = create_store(session, store_code, store_code, timezone, services.clock(),
                                 Actor.system("cli"))
        terminal, credential = register_terminal(session, store, terminal_code, services.clock(),
                                                 Actor.system("cli"))
        session.commit()
    click.echo(f"registered terminal {terminal.code!r} in store {store.code!r}")
    click.echo("credential (shown once; give it to the agent as ONECARD_TERMINAL_CREDENTIAL):")
    click.echo(str(credential))


@terminals.command("revoke")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option("--terminal", "terminal_code", required=True, help="Terminal code within the store.")
@click.option("--reason", default=None, help="Why, for the audit log (e.g. 'till stolen').")
@click.pass_context
def terminals_revoke(ctx: click.Context, store_code: str, terminal_code: str, reason: str | None) -> None:
    """Revoke a terminal's credential: the server refuses its next request and every one after."""
    from server.terminals import get_store, revoke_terminal

    services = _services(ctx)
    with services.db.session() as session:
        terminal = revoke_terminal(session, get_store(session, store_code), terminal_code,
                                   services.clock(), Actor.system("cli"), reason)
        session.commit()
        click.echo(f"revoked terminal {terminal_code!r} of store {store_code!r} "
                   f"(key {terminal.key_id}) at {terminal.revoked_at.isoformat()}")


@terminals.command("suspend")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option("--terminal", "terminal_code", required=True, help="Terminal code within the store.")
@click.option("--reason", default=None, help="Why, for the audit log.")
@click.pass_context
def terminals_suspend(ctx: click.Context, store_code: str, terminal_code: str, reason: str | None) -> None:
    """Suspend a terminal: it keeps syncing and selling, but redeems no points until resumed."""
    from server.terminals import get_store, suspend_terminal

    services = _services(ctx)
    with services.db.session() as session:
        terminal = suspend_terminal(session, get_store(session, store_code), terminal_code,
                                    services.clock(), Actor.system("cli"), reason)
        session.commit()
        click.echo(f"suspended terminal {terminal_code!r} of store {store_code!r} at "
                   f"{terminal.suspended_at.isoformat()}: no holds, no points tender credited")


@terminals.command("resume")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option("--terminal", "terminal_code", required=True, help="Terminal code within the store.")
@click.option("--reason", default=None, help="Why, for the audit log.")
@click.pass_context
def terminals_resume(ctx: click.Context, store_code: str, terminal_code: str, reason: str | None) -> None:
    """End a terminal's suspension: it may redeem points again."""
    from server.terminals import get_store, resume_terminal

    services = _services(ctx)
    with services.db.session() as session:
        resume_terminal(session, get_store(session, store_code), terminal_code, services.clock(),
                        Actor.system("cli"), reason)
        session.commit()
    click.echo(f"resumed terminal {terminal_code!r} of store {store_code!r}")


@cli.group()
def partners() -> None:
    """Partner merchants and their API keys."""


@partners.command("revoke-key")
@click.option("--partner", "partner_code", required=True, help="The partner's code.")
@click.option("--key", "key_id", required=True, help="The key's id (pk_..., the part before the dot).")
@click.option("--reason", default=None, help="Why, for the audit log (e.g. 'key leaked').")
@click.pass_context
def partners_revoke_key(ctx: click.Context, partner_code: str, key_id: str, reason: str | None) -> None:
    """Revoke a partner's key: every server worker refuses it from its next request on."""
    from server.partners.keys import get_partner, revoke_key

    services = _services(ctx)
    with services.db.session() as session:
        key = revoke_key(session, get_partner(session, partner_code), key_id, services.clock(),
                         Actor.system("cli"), reason)
        session.commit()
        click.echo(f"revoked key {key_id} of partner {partner_code!r} at {key.revoked_at.isoformat()}")


@users.command("set-pin")
@click.option("--username", required=True)
@click.option("--pin-stdin", is_flag=True, help="Read the PIN from standard input.")
@click.pass_context
def users_set_pin(ctx: click.Context, username: str, pin_stdin: bool) -> None:
    """Set a cashier's, manager's or admin's till PIN (4-8 digits; prompted for, or read from stdin)."""
    from server.staff_pins import set_pin

    if pin_stdin:
        pin = sys.stdin.readline().rstrip("\n")
    else:
        pin = click.prompt("PIN", hide_input=True, confirmation_prompt=True)
    services = _services(ctx)
    with services.db.session() as session:
        user = set_pin(session, username, pin, services.clock(), Actor.system("cli"))
        session.commit()
    click.echo(f"set the till PIN of {user.role} user {user.username!r}; tills take it at their next sync")


@users.command("disable")
@click.option("--username", required=True)
@click.option("--reason", default=None, help="Why, for the audit log.")
@click.pass_context
def users_disable(ctx: click.Context, username: str, reason: str | None) -> None:
    """Disable a staff user: no more logins, and tokens already issued stop working."""
    from server.staff import disable_staff_user

    services = _services(ctx)
    with services.db.session() as session:
        user = disable_staff_user(session, username, services.clock(), Actor.system("cli"), reason)
        session.commit()
        click.echo(f"disabled {user.role} user {user.username!r}")


def _add_plugin_commands() -> None:
    for entry in entry_points(group="onecard.commands"):
        try:
            cli.add_command(entry.load(), entry.name)
        except ImportError as exc:  # one broken plugin must not take the server's commands down
            click.echo(f"onecard: command {entry.name!r} is unavailable: {exc}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: configuration and domain errors become one line, not a traceback."""
    _add_plugin_commands()
    try:
        cli.main(args=argv, prog_name="onecard", standalone_mode=False)
    except ConfigError as exc:
        click.echo(f"onecard: configuration error: {exc.detail}", err=True)
        return 2
    except OneCardError as exc:
        click.echo(f"onecard: {exc.detail}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("onecard: aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
