"""Our Blueprint: request-shape errors are 400 (API convention); domain rule failures are 422."""

from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = _Parser()
