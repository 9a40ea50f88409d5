"""Why a partner's request was refused; none of them says anything about the member beyond the refusal."""

from __future__ import annotations

from server.exceptions import OneCardError


class ConsentRefused(OneCardError):
    status = 403
    slug = "consent-refused"
    title = "No consent to burn points"


class NotEnoughPoints(OneCardError):
    status = 422
    slug = "not-enough-points"
    title = "Not enough points"
