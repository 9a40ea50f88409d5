"""The agent's Flask app: local API, register page, problem+json errors."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template, request, send_from_directory

from pos_agent.devices import api as devices_api
from pos_agent.web import api, till_api
from pos_agent.web.access import STATE_CHANGING, LocalAccess
from pos_agent.web.payload import MAX_BODY_BYTES, load_body
from pos_agent.web.problems import init_problems

STATIC = Path(__file__).parent / "static"


def create_app(agent, access: LocalAccess) -> Flask:
    """Build the app around a running ``Agent``, answering only as ``access`` allows."""
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["onecard_agent"] = agent
    app.register_blueprint(api.blp)
    app.register_blueprint(till_api.blp)
    app.register_blueprint(devices_api.blp)
    init_problems(app)

    @app.before_request
    def guard():  # every route, the register page and static files included
        access.check()
        if request.method in STATE_CHANGING:
            load_body()

    @app.get("/")
    def register_page():
        # The page carries the till key: never cached, never framed by another page.
        page = app.make_response(render_template("register.html", till_key=access.key))
        page.headers.update({"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                             "Content-Security-Policy": "frame-ancestors 'none'"})
        return page

    @app.get("/static/<path:name>")
    def static_file(name: str):
        return send_from_directory(STATIC, name)

    return app
