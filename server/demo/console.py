"""The interactive demo's console: cut and restore store B's link while watching the tills.

Typed at the terminal running ``onecard demo``: ``cut`` takes store B offline (its till keeps
selling from its cache and journal), ``restore`` brings the link back (the journal catches up),
``status`` shows both tills' mode and journal, ``quit`` stops the demo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from server.demo.link import StoreLink

HELP = "commands: cut (store B offline), restore (store B online), status, quit"


def run_console(lines: Iterable[str], link: StoreLink, status: Callable[[str], dict],
                say: Callable[[str], None]) -> None:
    """Act on each typed line until ``quit`` or the end of input."""
    say(HELP)
    for raw in lines:
        command = raw.strip().lower()
        if command in {"quit", "exit"}:
            return
        if command == "cut":
            link.cut()
            say("store B's link is cut: its till sells offline and journals every sale")
        elif command == "restore":
            link.restore()
            say("store B's link is back: its till sends its journal and catches up")
        elif command == "status":
            for store in ("A", "B"):
                say(_describe(store, status))
        elif command:
            say(HELP)


def _describe(store: str, status: Callable[[str], dict]) -> str:
    try:
        state = status(store)
    except OSError as exc:  # requests' errors are OSErrors: the till process is not answering
        return f"  till {store}: not answering ({exc.__class__.__name__})"
    journal = state.get("journal", {})
    waiting = journal.get("pending", 0) + journal.get("retry", 0)
    return (f"  till {store}: {state.get('mode', '?')}, {waiting} journal item(s) waiting, "
            f"data {state.get('data_age_seconds', '?')} s old")
