"""Flask application factory for the central server.

Web pages beside the API (the back office in ``admin_ui``) are mounted through the ``onecard.web``
entry-point group, or the ``ONECARD_WEB_APPS`` setting, so the server never imports them.
"""

from __future__ import annotations

import re
import uuid
from importlib.metadata import EntryPoint, entry_points

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from server.api import guard, init_api, journal, problems
from server.api.context import close_db_session
from server.jobs import context as job_context
from server.services import Services
from server.settings import Settings

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
WEB_GROUP = "onecard.web"


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    """Build the app. Pass ``services`` to share a database or clock (tests, the demo)."""
    services = services or Services.build(settings or Settings.load())
    app = Flask(__name__)
    if services.settings.trusted_proxies:
        _trust_proxies(app, services.settings.trusted_proxies)
    app.config["MAX_CONTENT_LENGTH"] = services.settings.max_body_bytes
    app.config["SECRET_KEY"] = services.settings.secret_key
    app.json.sort_keys = False
    app.url_map.converters["int"] = guard.BoundedIntConverter  # before any route is added
    app.extensions["onecard"] = services
    job_context.install(services)
    app.before_request(_assign_request_id)
    app.before_request(journal.admit_batch)  # ahead of the input guard, which reads the body
    app.before_request(_check_body)
    app.before_request(_check_input)
    app.after_request(_echo_request_id)
    app.teardown_request(journal.release_slot)
    app.teardown_appcontext(close_db_session)
    init_api(app)
    problems.register(app)
    for entry in web_entry_points(services.settings.web_apps):
        entry.load()(app)  # each is mount(app); a broken one stops the app rather than half-starting it
    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind ``hops`` reverse proxies (a load balancer terminating TLS), take the client's address
    and scheme from the X-Forwarded-For/-Proto headers those proxies add: the sign-in throttles and
    code limits then count each client, not the proxy, and cookies are Secure over TLS. Only the
    last ``hops`` values are believed, so a client cannot pose as another address by sending the
    header itself."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def web_entry_points(names: tuple[str, ...] | None) -> list[EntryPoint]:
    """The web pages to mount: the installed ``onecard.web`` entry points, or the named ones."""
    if names is None:
        return list(entry_points(group=WEB_GROUP))
    return [EntryPoint(name=name, value=name, group=WEB_GROUP) for name in names]


def _assign_request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def _echo_request_id(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def _check_body():
    """Refuse oversized bodies before reading them, and bodies that are not JSON (415)."""
    if request.method not in _BODY_METHODS or not request.path.startswith("/api/"):
        return None
    limit = request.max_content_length
    if request.content_length is not None and limit is not None and request.content_length > limit:
        return problems.problem(413, "Request Entity Too Large",
                                f"the body is {request.content_length} bytes; the limit is {limit}")
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding")
    if has_body and not request.is_json:
        return problems.problem(415, "Unsupported Media Type",
                                "send the body as JSON with 'Content-Type: application/json'")
    return None


def _check_input() -> None:
    """Hostile text in the path or query, hostile JSON in the body: 400 (see server/api/guard.py)."""
    if request.path.startswith("/api/"):
        guard.check_request()
