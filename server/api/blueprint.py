"""Our Blueprint: request-shape errors are 400 (API convention); domain rule failures are 422."""

from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser

from server.api.guard import json_body
from server.api.responses import response_name


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req):
        # The body as server/api/guard.py parsed and checked it, never the bytes parsed again.
        return json_body(lambda: super(_Parser, self)._raw_load_json(req))


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = _Parser()

    def problems(self, *statuses: int):
        """Declare problem+json answers of this view beyond those its shape implies (server.api.responses)."""
        def decorator(view):
            for status in statuses:
                view = self.alt_response(status, response_name(status))(view)
            return view
        return decorator
