"""Account pages: sign up, log in and out, password reset, profile and preferences.

Views stay thin: check access, call a service, respond.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from pitchless.members import ratelimit, services
from pitchless.members.forms import LoginForm, PreferencesForm, ProfileForm, SignUpForm

_LOGIN_SCOPE = "login"


def _login_limits() -> tuple[ratelimit.Limit, ratelimit.Limit]:
    per_account = ratelimit.Limit(
        settings.PITCHLESS_LOGIN_ATTEMPTS, settings.PITCHLESS_LOGIN_WINDOW_SECONDS
    )
    # One address may front many people (an office), so it gets a larger allowance.
    per_client = ratelimit.Limit(
        settings.PITCHLESS_LOGIN_ATTEMPTS * 10, settings.PITCHLESS_LOGIN_WINDOW_SECONDS
    )
    return per_account, per_client


class LoginView(auth_views.LoginView):
    """Log in with e-mail and password; failed attempts are limited per address and client."""

    form_class = LoginForm
    template_name = "members/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        """Refuse the attempt outright once the limit is reached, then count failures."""
        email = str(request.POST.get("username", "")).strip().lower()[:254]
        client = request.META.get("REMOTE_ADDR", "")
        per_account, per_client = _login_limits()
        if ratelimit.is_limited(_LOGIN_SCOPE, "e:" + email, per_account) or ratelimit.is_limited(
            _LOGIN_SCOPE, "c:" + client, per_client
        ):
            minutes = max(1, per_account.window // 60)
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                f"Too many failed log-ins. Try again in up to {minutes} minutes, "
                "or reset your password.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            ratelimit.reset(_LOGIN_SCOPE, "e:" + email, per_account)
        else:
            ratelimit.hit(_LOGIN_SCOPE, "e:" + email, per_account)
            ratelimit.hit(_LOGIN_SCOPE, "c:" + client, per_client)
        return response


class LogoutView(auth_views.LogoutView):
    """Log out (POST only, as Django requires)."""

    template_name = "members/logged_out.html"


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a password-reset link by e-mail; the answer never says whether the address exists."""

    template_name = "members/password_reset_form.html"
    email_template_name = "members/password_reset_email.txt"
    subject_template_name = "members/password_reset_subject.txt"
    success_url = reverse_lazy("members:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    """Tells the visitor to check their mail."""

    template_name = "members/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from the link in the mail."""

    template_name = "members/password_reset_confirm.html"
    success_url = reverse_lazy("members:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    """The password was changed."""

    template_name = "members/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """Open an account and log in."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            field = "email" if isinstance(exc, services.EmailTaken) else "password"
            form.add_error(field, exc.messages)
        else:
            login(request, member, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to Pitchless. Start by completing your profile.")
            return redirect("members:profile")
    status = 400 if request.method == "POST" else 200
    return render(request, "members/signup.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request: HttpRequest) -> HttpResponse:
    """Edit one's own public profile."""
    member = request.user
    initial = {f: getattr(member, f) for f in ("name", "headline", "company", "location", "about")}
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_profile(
                member=member,
                name=data["name"],
                headline=data["headline"],
                company=data["company"],
                location=data["location"],
                about=data["about"],
                avatar=data["avatar"] or None,
                remove_avatar=data["remove_avatar"] or data["avatar"] is False,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "Profile saved.")
            return redirect("members:profile")
    status = 400 if request.method == "POST" else 200
    return render(request, "members/profile_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_preferences(request: HttpRequest) -> HttpResponse:
    """Edit one's own preferences."""
    member = request.user
    initial = {
        f: getattr(member, f)
        for f in (
            "accept_pitches",
            "offer_categories",
            "invitations_from",
            "notify_invitations",
            "notify_messages",
        )
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_preferences(member=member, **form.cleaned_data)
        messages.success(request, "Preferences saved.")
        return redirect("members:preferences")
    status = 400 if request.method == "POST" else 200
    return render(request, "members/preferences_form.html", {"form": form}, status=status)
