"""Bearer-token authentication for every endpoint but sign-up and token creation.

There is no session authentication on the API, so cookies grant nothing there and CSRF does
not apply.
"""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja.security import HttpBearer

from pitchless.api import services
from pitchless.api.models import ApiToken
from pitchless.members.models import Member


class TokenAuth(HttpBearer):
    """``Authorization: Bearer pl_…``; ``request.auth`` becomes the :class:`ApiToken`."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        """The token when it is valid, else ``None`` (the API answers 401)."""
        return services.authenticate_token(token.strip())


def current_token(request: HttpRequest) -> ApiToken:
    """The token the request was made with."""
    return cast(ApiToken, request.auth)  # type: ignore[attr-defined]


def me(request: HttpRequest) -> Member:
    """The member the request was made by."""
    return current_token(request).member
