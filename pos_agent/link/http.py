"""The signed HTTP adapter of ``ServerLink`` (requests + ``store_sync.http.terminal_session``)."""

from __future__ import annotations

import json
import math
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from loyalty.cards import card_is_usable
from pos_agent.exceptions import (
    CardNotUsable,
    CouponRefused,
    CredentialRevoked,
    JournalEndpointMissing,
    LinkDown,
    OfferRefused,
    RedemptionRefused,
    SaleNotFound,
    ServerBusy,
    ServerSlow,
    SnapshotRefused,
    UnknownCard,
)
from pos_agent.link.port import CardLookup, PostResult
from store_sync.feed import ChangesPage, SnapshotPageText
from store_sync.http.client import terminal_session
from store_sync.journal import JournalResultSchema
from store_sync.schemas import ChangesPageSchema, load_snapshot_page_text
from store_sync.signing import TerminalCredential

LOOKUP_TIMEOUT = 0.8  # a cashier never waits longer than this for a dead link
SYNC_TIMEOUT = 10.0
BUSY_STATUSES = frozenset({429, 503})
CALL_BUSY = "/server-busy"  # the problem type of a 503 that turned away one kind of call, not the server
MAX_RETRY_AFTER = 600.0  # a Retry-After longer than this is taken as this: a till never goes quiet for hours


class HttpServerLink:
    """Talk to the central server over signed HTTP with short timeouts for checkout calls.

    ``base_url`` may name several server instances, comma-separated (processes on other hosts
    sharing one database and Redis: any of them answers any request). Calls go to one of them
    until it fails: a request that never reached it (connection refused, host unreachable) goes
    to the next at once; one that may have reached it (a timeout, a connection dropped mid-way)
    fails as before, and the next call goes to the next server. Every request a till repeats
    carries its own id (a sale's, a hold's, a journal item's), so the other server answers a
    repeat as a duplicate.
    """

    def __init__(self, credential: TerminalCredential, base_url: str, *,
                 lookup_timeout: float = LOOKUP_TIMEOUT, sync_timeout: float = SYNC_TIMEOUT) -> None:
        self.base_urls = tuple(url.strip().rstrip("/") for url in base_url.split(",") if url.strip())
        if not self.base_urls:
            raise ValueError("no server URL given")
        self._current = 0
        self.session = terminal_session(credential, self.base_urls[0])
        self.lookup_timeout = lookup_timeout
        self.sync_timeout = sync_timeout
        self._idle_page: tuple[str, str, ChangesPage] | None = None  # (target, ETag, page) of the last empty page
        # time.monotonic() before which the server asked (Retry-After) not to be called: by call
        # ("POST /api/v1/sync/journal") when it turned away that kind of call alone, None for every call
        self._quiet_until: dict[str | None, float] = {}
        self._quiet_lock = threading.Lock()

    def health(self) -> bool:
        try:
            return self._call("GET", "/api/v1/health", timeout=self.lookup_timeout).status_code == 200
        except LinkDown:
            return False

    def look_up_card(self, number: str) -> CardLookup:
        response = self._call("GET", f"/api/v1/cards/{number}", timeout=self.lookup_timeout)
        if response.status_code == 404:
            raise UnknownCard(number)
        body = _ok(response)
        if not card_is_usable(body["card"].get("state", "unknown")):
            raise CardNotUsable(number, body["card"].get("state", "unknown"))
        return CardLookup(body["card"], body["member"], body["account"])

    def place_hold(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._call("POST", "/api/v1/holds", body, timeout=self.lookup_timeout)
        problem = _json(response) if response.status_code in (403, 404, 409, 422) else {}
        # A suspended till is told so (403): it is online, it just may not redeem points.
        if response.status_code in (404, 409, 422) or str(problem.get("type", "")).endswith("/terminal-suspended"):
            raise RedemptionRefused(problem.get("detail", "the server refused the hold"))
        return _ok(response)

    def release_hold(self, hold_id: str) -> None:
        _ok(self._call("POST", f"/api/v1/holds/{hold_id}/release", timeout=self.lookup_timeout))

    def reserve_coupons(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._call("POST", "/api/v1/coupon-holds", body, timeout=self.lookup_timeout)
        if response.status_code in (404, 409, 422):
            problem = _json(response)
            if str(problem.get("type", "")).endswith("/offer-not-available"):
                raise OfferRefused(problem.get("detail", "the server refused the offer"), problem.get("promotion_id"))
            raise CouponRefused(problem.get("detail", "the server refused the coupon"), problem.get("code"))
        return _ok(response)

    def release_coupons(self, hold_id: str) -> None:
        _ok(self._call("POST", f"/api/v1/coupon-holds/{hold_id}/release", timeout=self.lookup_timeout))

    def changes(self, cursor: int, limit: int) -> ChangesPage:
        """A page of changes; asked again with the last empty page's ETag, a 304 reuses that page."""
        target = f"/api/v1/sync/changes?cursor={cursor}&limit={limit}"
        idle = self._idle_page if self._idle_page and self._idle_page[0] == target else None
        headers = {"If-None-Match": idle[1]} if idle else {}
        response = self._call("GET", target, timeout=self.sync_timeout, headers=headers)
        if response.status_code == 304 and idle:
            return idle[2]
        page = ChangesPageSchema().load(_ok(response))
        etag = response.headers.get("ETag")
        self._idle_page = (target, etag, page) if etag and not page.items else None
        return page

    def snapshot(self, page: str | None, limit: int) -> SnapshotPageText:
        """A snapshot page, checked but with its items left in the answer's JSON text (the till
        stores them from the text); raises SnapshotRefused when the server will not serve that page's token."""
        query = f"limit={limit}" + (f"&page={requests.utils.quote(page)}" if page else "")
        response = self._call("GET", f"/api/v1/sync/snapshot?{query}", timeout=self.sync_timeout)
        if response.status_code == 400 and str(_json(response).get("type", "")).endswith("/invalid-cursor"):
            raise SnapshotRefused(f"snapshot page refused: {_json(response).get('detail', '')}")
        try:  # JSON is UTF-8 (RFC 8259): decoded as such, not by guessing a megabyte's encoding
            return load_snapshot_page_text(_answered(response).content.decode())
        except ValueError as exc:  # a reply cut short on the wire is a broken link, not a bug
            raise LinkDown(f"the server's answer was not readable JSON: {exc}") from None

    def send_journal(self, batch: dict[str, Any]) -> list[dict[str, Any]]:
        response = self._call("POST", "/api/v1/sync/journal", batch, timeout=self.sync_timeout)
        if response.status_code in (404, 405):
            raise JournalEndpointMissing()
        return JournalResultSchema().load(_ok(response))["results"]

    def post_transaction(self, body: dict[str, Any]) -> PostResult:
        response = self._call("POST", "/api/v1/transactions", body, timeout=self.sync_timeout)
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            raise LinkDown(f"server answered {response.status_code}")  # not the item's fault
        return PostResult(response.status_code, _json(response))

    def find_sale(self, sale_id: str) -> dict[str, Any]:
        response = self._call("GET", f"/api/v1/transactions/{sale_id}", timeout=self.lookup_timeout)
        if response.status_code == 404:
            raise SaleNotFound(sale_id, "no till of the chain has sent this sale to the server")
        return _ok(response)

    def heartbeat(self, store: str, terminal: str, agent_version: str) -> None:
        _ok(self._call("POST", "/api/v1/terminals/heartbeat",
                       {"store": store, "terminal": terminal, "agent_version": agent_version},
                       timeout=self.lookup_timeout))

    def _call(self, method: str, path: str, body: dict | None = None, *, timeout: float,
              headers: dict[str, str] | None = None) -> requests.Response:
        self._keep_quiet(method, path)
        data = json.dumps(body).encode() if body is not None else None
        headers = {**(headers or {}), **({"Content-Type": "application/json"} if body is not None else {})}
        response = self._send(method, path, data, headers, timeout)
        if response.status_code in BUSY_STATUSES:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            # A server applying all the journal batches it takes at once (server-busy) still serves
            # look-ups and feed reads: only calls like the refused one wait.
            alone = str(_json(response).get("type", "")).endswith(CALL_BUSY)
            self._go_quiet(retry_after, _call_key(method, path) if alone else None)
            raise ServerBusy(f"server answered {response.status_code}"
                             + (f", retry after {retry_after:g} s" if retry_after else ""), retry_after)
        if response.status_code == 401 and _json(response).get("reason") == "revoked":
            raise CredentialRevoked(f"revoked: {_json(response).get('detail', 'the server revoked this till')}")
        return response

    @property
    def base_url(self) -> str:
        """The server instance calls go to now."""
        return self.base_urls[self._current]

    def _send(self, method: str, path: str, data: bytes | None, headers: dict[str, str],
              timeout: float) -> requests.Response:
        for _ in self.base_urls:
            base_url = self.base_url
            try:
                return self.session.request(method, base_url + path, data=data, headers=headers, timeout=timeout)
            except requests.Timeout as exc:
                self._next_after(base_url)
                raise ServerSlow(f"{method} {path}: no answer within {timeout:g} s") from exc
            except requests.ConnectionError as exc:
                self._next_after(base_url)
                if not _never_sent(exc):
                    raise LinkDown(f"{method} {path}: {exc.__class__.__name__}") from exc
                failure = exc
            except requests.RequestException as exc:
                raise LinkDown(f"{method} {path}: {exc.__class__.__name__}") from exc
        raise LinkDown(f"{method} {path}: no server answered ({failure.__class__.__name__})") from failure

    def _next_after(self, failed: str) -> None:
        """Move on from ``failed`` (unless another thread already has)."""
        with self._quiet_lock:
            if self.base_url == failed:
                self._current = (self._current + 1) % len(self.base_urls)

    def _keep_quiet(self, method: str, path: str) -> None:
        """Refuse, without a request, any call made while a Retry-After for it (or for every call) runs."""
        with self._quiet_lock:
            until = max(self._quiet_until.get(None, 0.0), self._quiet_until.get(_call_key(method, path), 0.0))
        left = until - time.monotonic()
        if left > 0:
            raise ServerBusy(f"{method} {path}: the server asked for quiet, {left:.1f} s left", left)

    def _go_quiet(self, seconds: float | None, call: str | None = None) -> None:
        if seconds:
            with self._quiet_lock:
                self._quiet_until[call] = max(self._quiet_until.get(call, 0.0), time.monotonic() + seconds)


def _call_key(method: str, path: str) -> str:
    return f"{method} {path.split('?', 1)[0]}"


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delay-seconds or an HTTP date), at most MAX_RETRY_AFTER."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER) or None


def _never_sent(exc: requests.ConnectionError) -> bool:
    """The connection was never made, so no server saw the request (urllib3 wraps a refused or
    unreachable host in MaxRetryError over NewConnectionError; a reset mid-request is a ProtocolError)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        return response.json()
    except ValueError:
        return {}


def _answered(response: requests.Response) -> requests.Response:
    # 5xx and auth failures count as "no usable link": the till keeps selling offline.
    if response.status_code >= 400:
        raise LinkDown(f"server answered {response.status_code}: {_json(response).get('detail', '')}")
    return response


def _ok(response: requests.Response) -> Any:
    try:
        return _answered(response).json()
    except ValueError as exc:  # a reply cut short on the wire is a broken link, not a bug
        raise LinkDown(f"the server's answer was not readable JSON: {exc}") from None
