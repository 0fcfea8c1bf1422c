"""Forms of the members pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from pitchless.members.avatars import validate_avatar
from pitchless.members.models import Member


class SignUpForm(forms.Form):
    """A new account: name, e-mail address and password."""

    name = forms.CharField(max_length=120)
    email = forms.EmailField(label="E-mail address", max_length=254)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), max_length=128
    )


class LoginForm(AuthenticationForm):
    """Log in with an e-mail address and password."""

    username = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean(self) -> dict[str, object]:
        """Log in; a suspended member who gave the right password is told why and until when."""
        try:
            return super().clean()
        except ValidationError:
            notice = suspension_notice(
                str(self.cleaned_data.get("username", "")),
                str(self.cleaned_data.get("password", "")),
            )
            if notice:
                raise ValidationError(notice, code="suspended") from None
            raise


def suspension_notice(email: str, password: str) -> str:
    """Why a member cannot log in, once they proved who they are; ``""`` otherwise.

    Only someone who knows the password learns that an account is suspended.
    """
    member = Member.objects.filter(email__iexact=email.strip()).first()
    if member is None or not member.is_suspended() or not member.check_password(password):
        return ""
    until = timezone.localtime(member.suspended_until).strftime("%-d %B %Y, %H:%M %Z")
    why = f" Reason: {member.suspension_reason}" if member.suspension_reason else ""
    return f"Your account is suspended until {until}.{why}"


def _save_through_service(form: SetPasswordForm, commit: bool) -> Member:
    from pitchless.members import services

    return services.set_password(member=form.user, password=form.cleaned_data["new_password1"])


class MemberSetPasswordForm(SetPasswordForm):
    """A new password from a reset link; saving it revokes the member's API tokens."""

    def save(self, commit: bool = True) -> Member:
        """Set the password through :func:`services.set_password`."""
        return _save_through_service(self, commit)


class MemberPasswordChangeForm(PasswordChangeForm):
    """Change the password, giving the old one; saving it revokes the member's API tokens."""

    def save(self, commit: bool = True) -> Member:
        """Set the password through :func:`services.set_password`."""
        return _save_through_service(self, commit)


class ProfileForm(forms.Form):
    """The public profile."""

    name = forms.CharField(max_length=120)
    headline = forms.CharField(max_length=160, required=False)
    company = forms.CharField(max_length=120, required=False)
    location = forms.CharField(max_length=120, required=False)
    about = forms.CharField(max_length=4000, required=False, widget=forms.Textarea({"rows": 6}))
    avatar = forms.FileField(
        label="Picture",
        required=False,
        help_text="PNG, JPEG, GIF or WebP; small files only.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
    remove_avatar = forms.BooleanField(label="Remove my picture", required=False)

    def clean_avatar(self):
        """Refuse oversized or non-image uploads before any service runs."""
        upload = self.cleaned_data.get("avatar")
        if upload:
            validate_avatar(upload)
        return upload


class PreferencesForm(forms.Form):
    """The private preferences."""

    accept_pitches = forms.BooleanField(
        label="Accept sales pitches from my connections",
        required=False,
        help_text="Off by default: pitches go to your Pitches folder, never your inbox.",
    )
    offer_categories = forms.CharField(
        label="Categories I am open to offers about",
        max_length=300,
        required=False,
        help_text="Comma-separated, e.g. analytics tools, office space.",
    )
    invitations_from = forms.ChoiceField(
        label="Who may send me invitations", choices=Member.InvitationsFrom.choices
    )
    notify_invitations = forms.BooleanField(label="E-mail me about invitations", required=False)
    notify_messages = forms.BooleanField(
        label="E-mail me about new messages (never about pitches)", required=False
    )


class MemberSearchForm(forms.Form):
    """A search over the member directory."""

    q = forms.CharField(label="Search members", max_length=200, required=False)
