"""Every write of the API app: issuing, using and revoking tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from pitchless.api.models import ApiToken
from pitchless.members.models import Member

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "pl_"
#: how stale ``last_used_at`` may get before a request refreshes it (saves a write per request)
_TOUCH_EVERY = timedelta(minutes=1)


def digest(raw: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_token(*, member: Member, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``member``; the raw token is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        member=member, digest=digest(raw), prefix=raw[:10], name=name.strip()[:100]
    )
    return token, raw


#: seconds a token found in the database is trusted from the cache. Revoking a token, or all
#: of a member's tokens, clears their entries at once (in every worker when the cache is shared,
#: as it is with ``PITCHLESS_CACHE_URL``), and so do a moderator's suspension and any save of
#: the member (see ``apps.py``); a change made some other way reaches a cached token within
#: this time. Sending and inviting check the stored suspension whatever the cache holds.
TOKEN_CACHE_SECONDS = 30
_CACHE_PREFIX = "pitchless:api-token:"


def _cache_key(token_digest: str) -> str:
    return _CACHE_PREFIX + token_digest


# The cache only saves database reads: when it is down (a shared Redis that stopped), every
# call below is a miss or a no-op and the database answers, so the API keeps working. An entry
# that could not be deleted expires within TOKEN_CACHE_SECONDS.


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:
        logger.warning("token cache unavailable; reading the database", exc_info=True)
        return None


def _cache_set(key: str, value: object) -> None:
    try:
        cache.set(key, value, TOKEN_CACHE_SECONDS)
    except Exception:
        logger.warning("token cache unavailable; not caching", exc_info=True)


def _cache_delete_many(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:
        logger.warning(
            "token cache unavailable; %d entries expire within %d s",
            len(keys),
            TOKEN_CACHE_SECONDS,
            exc_info=True,
        )


def _forget(digests: list[str]) -> None:
    keys = [_cache_key(d) for d in digests]
    if not keys:
        return
    _cache_delete_many(keys)
    # A request that read the row before this transaction commits may cache it again.
    transaction.on_commit(lambda: _cache_delete_many(keys))


def forget_member_tokens(member_id: int) -> None:
    """Drop ``member_id``'s tokens from the cache: their account changed (suspended, closed),
    so the next request reads them from the database again."""
    _forget(list(ApiToken.objects.filter(member_id=member_id).values_list("digest", flat=True)))


def authenticate_token(raw: str) -> ApiToken | None:
    """The token ``raw`` names when it exists and its member may log in (an open account,
    not suspended), else ``None``.

    The token and its member are cached under the token's digest for
    :data:`TOKEN_CACHE_SECONDS`. Refreshes ``last_used_at`` at most once a minute.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    key = _cache_key(digest(raw))
    token = _cache_get(key)
    if token is None:
        token = (
            ApiToken.objects.select_related("member")
            .filter(digest=digest(raw), member__is_active=True)
            .first()
        )
        if token is not None:
            _cache_set(key, token)
    now = timezone.now()
    if token is None or not token.member.is_active or token.member.is_suspended(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        _cache_set(key, token)
    return token


@transaction.atomic
def revoke_token(*, member: Member, token_id: int) -> bool:
    """Delete one of ``member``'s tokens; returns whether there was one."""
    tokens = ApiToken.objects.filter(member=member, pk=token_id)
    _forget(list(tokens.values_list("digest", flat=True)))
    deleted, _ = tokens.delete()
    return deleted > 0


@transaction.atomic
def revoke_all_tokens(*, member: Member) -> int:
    """Delete every token of ``member`` (after a password change); returns how many."""
    tokens = ApiToken.objects.filter(member=member)
    _forget(list(tokens.values_list("digest", flat=True)))
    deleted, _ = tokens.delete()
    return deleted
