"""Sign-up and tokens: ``/api/auth/…``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from pitchless.api import services as api_services
from pitchless.api.errors import TooManyAttempts
from pitchless.api.models import ApiToken
from pitchless.api.schemas import (
    ErrorOut,
    MeOut,
    SignUpIn,
    TokenIn,
    TokenInfoOut,
    TokenOut,
    ValidationOut,
    me_out,
)
from pitchless.api.security import current_token, me
from pitchless.members import ratelimit
from pitchless.members import services as members

router = Router(tags=["auth"])

#: the log-in page's scope and keys: failures through the page and the API share one budget
_LOGIN_SCOPE = "login"


def _login_limits() -> tuple[ratelimit.Limit, ratelimit.Limit]:
    window = settings.PITCHLESS_LOGIN_WINDOW_SECONDS
    per_account = ratelimit.Limit(settings.PITCHLESS_LOGIN_ATTEMPTS, window)
    # One address may front many people (an office), so it gets a larger allowance.
    per_client = ratelimit.Limit(settings.PITCHLESS_LOGIN_ATTEMPTS * 10, window)
    return per_account, per_client


@router.post(
    "/signup",
    auth=None,
    response={201: MeOut, 400: ErrorOut, 422: ValidationOut},
    summary="Open an account",
)
def signup(request: HttpRequest, payload: SignUpIn) -> Status[MeOut]:
    """Open an account; then ask for a token with ``POST /api/auth/token``."""
    member = members.sign_up(email=payload.email, password=payload.password, name=payload.name)
    return Status(201, me_out(member))


@router.post(
    "/token",
    auth=None,
    response={201: TokenOut, 401: ErrorOut, 422: ValidationOut, 429: ErrorOut},
    summary="Create a token",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[TokenOut]:
    """Trade an e-mail address and password for a bearer token.

    Failed attempts are limited per address and per client, together with the log-in page.
    """
    email = payload.email.strip().lower()[:254]
    client = request.META.get("REMOTE_ADDR", "")
    per_account, per_client = _login_limits()
    if ratelimit.is_limited(_LOGIN_SCOPE, "e:" + email, per_account) or ratelimit.is_limited(
        _LOGIN_SCOPE, "c:" + client, per_client
    ):
        minutes = max(1, per_account.window // 60)
        raise TooManyAttempts(
            f"Too many failed log-ins. Try again in up to {minutes} minutes, "
            "or reset your password.",
            retry_after=per_account.window,
        )
    member = authenticate(request, username=email, password=payload.password)
    if member is None:
        ratelimit.hit(_LOGIN_SCOPE, "e:" + email, per_account)
        ratelimit.hit(_LOGIN_SCOPE, "c:" + client, per_client)
        raise HttpError(401, "The e-mail address or the password is wrong.")
    ratelimit.reset(_LOGIN_SCOPE, "e:" + email, per_account)
    token, raw = api_services.issue_token(member=member, name=payload.name)
    out = TokenOut(token=raw, id=token.pk, name=token.name, created_at=token.created_at)
    return Status(201, out)


@router.get("/tokens", response=list[TokenInfoOut], summary="List your tokens")
def list_tokens(request: HttpRequest) -> list[TokenInfoOut]:
    """Your tokens, newest first, without their secrets."""
    current = current_token(request)
    return [
        TokenInfoOut(
            id=t.pk,
            name=t.name,
            prefix=t.prefix,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            current=t.pk == current.pk,
        )
        for t in ApiToken.objects.filter(member=me(request))
    ]


@router.delete("/token", response={204: None}, summary="Revoke this token")
def revoke_current(request: HttpRequest) -> Status[None]:
    """Revoke the token this request was made with (log out)."""
    api_services.revoke_token(member=me(request), token_id=current_token(request).pk)
    return Status(204, None)


@router.delete("/tokens/{token_id}", response={204: None, 404: ErrorOut}, summary="Revoke a token")
def revoke(request: HttpRequest, token_id: int) -> Status[None]:
    """Revoke one of your tokens, e.g. a lost device's."""
    if not api_services.revoke_token(member=me(request), token_id=token_id):
        raise Http404("No such token.")
    return Status(204, None)
