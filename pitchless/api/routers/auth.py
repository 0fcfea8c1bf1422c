"""Sign-up and tokens: ``/api/auth/…``."""

from __future__ import annotations

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
from pitchless.members.forms import suspension_notice

router = Router(tags=["auth"])


@router.post(
    "/signup",
    auth=None,
    response={201: MeOut, 400: ErrorOut, 422: ValidationOut, 429: ErrorOut},
    summary="Open an account",
)
def signup(request: HttpRequest, payload: SignUpIn) -> Status[MeOut]:
    """Open an account; then ask for a token with ``POST /api/auth/token``.

    Sign-ups are limited per client address, together with the sign-up page.
    """
    refusal = ratelimit.signup_refusal(request.META.get("REMOTE_ADDR", ""))
    if refusal is not None:
        raise TooManyAttempts(refusal.message, retry_after=refusal.retry_after)
    member = members.sign_up(email=payload.email, password=payload.password, name=payload.name)
    return Status(201, me_out(member))


@router.post(
    "/token",
    auth=None,
    response={201: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationOut, 429: ErrorOut},
    summary="Create a token",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[TokenOut]:
    """Trade an e-mail address and password for a bearer token.

    Failed attempts are limited per address and per client, together with the log-in page.
    A suspended member who gives the right password is told why and until when (403).
    """
    email = payload.email.strip().lower()[:254]
    client = request.META.get("REMOTE_ADDR", "")
    refusal = ratelimit.login_refusal(email, client)
    if refusal is not None:
        raise TooManyAttempts(refusal.message, retry_after=refusal.retry_after)
    member = authenticate(request, username=email, password=payload.password)
    if member is None:
        notice = suspension_notice(email, payload.password)
        if notice:
            raise HttpError(403, notice)
        ratelimit.login_failed(email, client)
        raise HttpError(401, "The e-mail address or the password is wrong.")
    ratelimit.login_succeeded(email)
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
