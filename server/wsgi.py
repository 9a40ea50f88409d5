"""gunicorn, driven from Python so `onecard server` needs no separate config file."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class GunicornApp(BaseApplication):
    def __init__(self, app, options: dict) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application
