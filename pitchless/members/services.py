"""Every write to members: one typed, keyword-only function each, in a transaction."""

from __future__ import annotations

import uuid

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from pitchless.members.avatars import validate_avatar
from pitchless.members.models import Member
from pitchless.members.signals import password_changed


class EmailTaken(ValidationError):
    """Sign-up with an address that already has an account."""


class InvalidEmail(ValidationError):
    """Sign-up with something that is not an e-mail address."""


@transaction.atomic
def sign_up(*, email: str, password: str, name: str) -> Member:
    """Open an account; raises ``ValidationError`` for a bad address, a weak password or a
    taken address."""
    email = Member.objects.normalize_email(email.strip()).lower()
    # Callers other than the sign-up form (the API, the command line) may pass anything.
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidEmail("Enter a valid e-mail address.") from exc
    if len(email) > 254:
        raise InvalidEmail("An e-mail address can be at most 254 characters.")
    candidate = Member(email=email, name=name.strip())
    validate_password(password, user=candidate)
    if Member.objects.filter(email__iexact=email).exists():
        raise EmailTaken("An account with this e-mail address already exists.")
    try:
        with transaction.atomic():
            return Member.objects.create_user(email, password, name=name.strip())
    except IntegrityError as exc:  # two sign-ups with the same address at once
        raise EmailTaken("An account with this e-mail address already exists.") from exc


@transaction.atomic
def update_profile(
    *,
    member: Member,
    name: str,
    headline: str,
    company: str,
    location: str,
    about: str,
    avatar: UploadedFile | None = None,
    remove_avatar: bool = False,
) -> Member:
    """Change the public profile; an avatar is checked for size and type before it is stored."""
    member.name = name.strip()
    member.headline = headline.strip()
    member.company = company.strip()
    member.location = location.strip()
    member.about = about.strip()
    if avatar is not None:
        ext = validate_avatar(avatar)
        if member.avatar:
            member.avatar.delete(save=False)
        # A random name: the uploader's file name is never used on disk.
        member.avatar.save(f"{member.pk}-{uuid.uuid4().hex[:12]}.{ext}", avatar, save=False)
    elif remove_avatar and member.avatar:
        member.avatar.delete(save=False)
    member.full_clean(exclude=["password"])
    member.save()
    return member


@transaction.atomic
def update_preferences(
    *,
    member: Member,
    accept_pitches: bool,
    offer_categories: str,
    invitations_from: str,
    notify_invitations: bool,
    notify_messages: bool,
) -> Member:
    """Change the member's private preferences."""
    if invitations_from not in Member.InvitationsFrom.values:
        raise ValidationError({"invitations_from": "Unknown choice."})
    member.accept_pitches = accept_pitches
    member.offer_categories = ", ".join(
        c.strip() for c in offer_categories.split(",") if c.strip()
    )[:300]
    member.invitations_from = invitations_from
    member.notify_invitations = notify_invitations
    member.notify_messages = notify_messages
    member.save(
        update_fields=[
            "accept_pitches",
            "offer_categories",
            "invitations_from",
            "notify_invitations",
            "notify_messages",
        ]
    )
    return member


@transaction.atomic
def set_password(*, member: Member, password: str) -> Member:
    """Change ``member``'s password (checked by the password validators).

    Everything signed in with the old password stops working: the API's tokens are revoked
    (through :data:`~pitchless.members.signals.password_changed`), and Django's sessions carry
    a hash of the password, so other browsers are logged out.
    """
    validate_password(password, user=member)
    member.set_password(password)
    member.save(update_fields=["password"])
    password_changed.send(sender=Member, member=member)
    return member
