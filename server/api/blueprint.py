"""Our Blueprint: request-shape errors are 400 (API convention); domain rule failures are 422."""

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema
from webargs.flaskparser import FlaskParser

from server.api.guard import json_body
from server.api.responses import response_name


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req):
        # The body as server/api/guard.py parsed and checked it, never the bytes parsed again.
        return json_body(lambda: super(_Parser, self)._raw_load_json(req))

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        # A JSON body that its schema's plain check finds valid is taken as sent (``plainly_checked``).
        check = getattr(argmap, "plain_check", None)
        if check is not None and (location or self.location) == "json":
            body = self._raw_load_json(req if req is not None else self.get_default_request())
            if check(body):
                return body
        return super().parse(argmap, req, location=location, **kwargs)


def plainly_checked(schema: Schema, check: Callable[[Any], bool]) -> Schema:
    """``schema`` (an instance, documented as itself) for a JSON body that is taken as sent when
    ``check`` answers True for it, and loaded by the schema otherwise. Only for a check that passes
    nothing the schema would refuse, and a view that reads no value the schema's load would change
    (``server.schemas.transaction_checks``: loading a sale costs about as much as re-pricing it)."""
    schema.plain_check = check
    return schema


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = _Parser()

    def problems(self, *statuses: int):
        """Declare problem+json answers of this view beyond those its shape implies (server.api.responses)."""
        def decorator(view):
            for status in statuses:
                view = self.alt_response(status, response_name(status))(view)
            return view
        return decorator
