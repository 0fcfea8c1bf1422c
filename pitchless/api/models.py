"""API tokens: only a digest is stored, so a leaked database does not leak working tokens."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A bearer token of one member; revoking it deletes the row."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    #: SHA-256 of the token, hexadecimal. Tokens are 256 random bits, so no salt or slow hash
    #: is needed: nothing can be guessed from the digest.
    digest = models.CharField(max_length=64, unique=True)
    #: the first characters of the token, to tell tokens apart in a list
    prefix = models.CharField(max_length=12)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… of {self.member_id}"
