"""The agent's Flask app: local API, register page, problem+json errors."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, send_from_directory

from pos_agent.devices import api as devices_api
from pos_agent.web import api
from pos_agent.web.problems import init_problems

STATIC = Path(__file__).parent / "static"


def create_app(agent) -> Flask:
    """Build the app around a running ``Agent`` (no app is built at import time)."""
    app = Flask(__name__, static_folder=None)
    app.extensions["onecard_agent"] = agent
    app.register_blueprint(api.blp)
    app.register_blueprint(devices_api.blp)
    init_problems(app)

    @app.get("/")
    def register_page():
        return send_from_directory(STATIC, "register.html")

    @app.get("/static/<path:name>")
    def static_file(name: str):
        return send_from_directory(STATIC, name)

    return app
