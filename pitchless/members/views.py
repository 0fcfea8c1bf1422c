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
from pitchless.members.forms import (
    LoginForm,
    MemberPasswordChangeForm,
    MemberSetPasswordForm,
    PreferencesForm,
    ProfileForm,
    SignUpForm,
)


class LoginView(auth_views.LoginView):
    """Log in with e-mail and password; failed attempts are limited per address and client."""

    form_class = LoginForm
    template_name = "members/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        """Refuse the attempt outright once the limit is reached, then count failures."""
        email = str(request.POST.get("username", ""))
        client = request.META.get("REMOTE_ADDR", "")
        refusal = ratelimit.login_refusal(email, client)
        if refusal is not None:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, refusal.message)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            ratelimit.login_succeeded(email)
        else:
            ratelimit.login_failed(email, client)
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
    form_class = MemberSetPasswordForm
    success_url = reverse_lazy("members:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password; API tokens are revoked and other sessions end."""

    form_class = MemberPasswordChangeForm
    template_name = "members/password_change.html"
    success_url = reverse_lazy("members:profile")

    def form_valid(self, form: MemberPasswordChangeForm) -> HttpResponse:
        """Save, keep this browser logged in, and say what else changed."""
        response = super().form_valid(form)
        messages.success(
            self.request, "Password changed. Your API tokens were revoked; create new ones."
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    """The password was changed."""

    template_name = "members/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """Open an account and log in."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        refusal = ratelimit.signup_refusal(request.META.get("REMOTE_ADDR", ""))
        if refusal is not None:
            form.errors.clear()
            form.add_error(None, refusal.message)
            return render(request, "members/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            is_email = isinstance(exc, services.EmailTaken | services.InvalidEmail)
            field = "email" if is_email else "password"
            form.add_error(field, exc.messages)
        else:
            login(request, member, backend="pitchless.members.backends.MemberBackend")
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
