"""The member: an account that logs in with its e-mail address, its profile and preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


class MemberQuerySet(models.QuerySet["Member"]):
    """Reusable reads over members."""

    def active(self) -> MemberQuerySet:
        """Members whose account is open."""
        return self.filter(is_active=True)

    def search(self, query: str) -> MemberQuerySet:
        """Members whose name, headline, company or location contains every word of ``query``."""
        qs = self
        for word in query.split()[:8]:
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(headline__icontains=word)
                | Q(company__icontains=word)
                | Q(location__icontains=word)
            )
        return qs


class MemberManager(BaseUserManager.from_queryset(MemberQuerySet)):  # type: ignore[misc]
    """Creates members from an e-mail address; used by Django's auth commands too."""

    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> Member:
        if not email:
            raise ValueError("an e-mail address is required")
        member = self.model(email=self.normalize_email(email).lower(), **fields)
        member.set_password(password)
        member.save(using=self._db)
        return member

    def get_by_natural_key(self, username: str | None) -> Member:
        """Log-in looks the address up without regard to case, as mail servers do."""
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> Member:
        """A regular member."""
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> Member:
        """A member who may use the Django admin."""
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class Member(AbstractBaseUser, PermissionsMixin):
    """A person on the network: account, public profile and private preferences."""

    class InvitationsFrom(models.TextChoices):
        """Who may send this member an invitation."""

        EVERYONE = "everyone", "Everyone"
        SHARED_CONNECTIONS = "shared_connections", "Only people we share a connection with"

    email = models.EmailField("e-mail address", unique=True)
    name = models.CharField(max_length=120)
    headline = models.CharField(max_length=160, blank=True)
    company = models.CharField(max_length=120, blank=True)
    location = models.CharField(max_length=120, blank=True)
    about = models.TextField(max_length=4000, blank=True)
    avatar = models.FileField(upload_to="avatars/", blank=True)

    # Preferences. Connecting is not permission to pitch, so pitches are refused by default.
    accept_pitches = models.BooleanField(
        "accept sales pitches from connections",
        default=False,
        help_text="When on, pitches from your connections land in your inbox, still labelled.",
    )
    offer_categories = models.CharField(
        "open to offers about",
        max_length=300,
        blank=True,
        help_text="Comma-separated categories, e.g. analytics tools, office space.",
    )
    invitations_from = models.CharField(
        max_length=24, choices=InvitationsFrom.choices, default=InvitationsFrom.EVERYONE
    )
    notify_invitations = models.BooleanField("e-mail me about invitations", default=True)
    notify_messages = models.BooleanField("e-mail me about new messages", default=True)

    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    #: a moderator's suspension: no log-in and no sending until then (``None``: not suspended)
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=500, blank=True)

    objects: ClassVar[MemberManager] = MemberManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        ordering: ClassVar[list[str]] = ["name", "id"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        """The member's name (Django's admin and password-reset mail use it)."""
        return self.name

    def get_short_name(self) -> str:
        """The first word of the member's name."""
        return self.name.split(" ")[0] if self.name else self.email

    def is_suspended(self, now: datetime | None = None) -> bool:
        """True while a moderator's suspension runs."""
        return self.suspended_until is not None and self.suspended_until > (now or timezone.now())

    @property
    def categories(self) -> list[str]:
        """The offer categories as a list."""
        return [c.strip() for c in self.offer_categories.split(",") if c.strip()]
