"""Errors raised by the server; the API maps each to one problem+json response."""

from __future__ import annotations


class OneCardError(Exception):
    """Base of every error the server turns into a problem+json response.

    Subclasses set ``status`` (HTTP code), ``slug`` (the last part of the problem type URI)
    and ``title`` (a short, stable summary); ``detail`` says what happened this time.
    """

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ConfigError(OneCardError):
    """A setting is missing or malformed; ``setting`` names it."""

    status = 500
    slug = "configuration"
    title = "Server configuration error"

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}", setting=setting)
        self.setting = setting


class NotFound(OneCardError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(OneCardError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class Unauthorized(OneCardError):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"
    title = "Invalid credentials"


class TokenExpired(Unauthorized):
    slug = "token-expired"
    title = "Token expired"


class Forbidden(OneCardError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class RetryLater(OneCardError):
    """Refused for now: the answer carries ``retry_after`` seconds as its Retry-After header."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class TooManyAttempts(RetryLater):
    status = 429
    slug = "too-many-attempts"
    title = "Too many failed attempts"


class ServerBusy(RetryLater):
    """The server is at capacity for this kind of request; send it again after ``retry_after`` seconds."""

    status = 503
    slug = "server-busy"
    title = "Server busy"


class TerminalAuthError(Unauthorized):
    """A terminal request failed signature checks; ``reason`` is a stable code for the audit log.

    ``key_id`` names the registered terminal whose key the request used, or is None when the
    request named no key of ours (missing or malformed headers, an unknown key).
    """

    slug = "terminal-signature"
    title = "Terminal request rejected"

    def __init__(self, reason: str, detail: str, key_id: str | None = None) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason
        self.key_id = key_id


class TerminalSuspended(Forbidden):
    """A suspended terminal asked for something that spends points (see server.terminals)."""

    slug = "terminal-suspended"
    title = "Terminal suspended"


class TerminalForbidden(Forbidden):
    slug = "terminal-scope"
    title = "Terminal not allowed here"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason
