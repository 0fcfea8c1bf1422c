"""The home page, the public "Try the guard" page (plain HTML forms, no JavaScript) and the
health check for load balancers and monitors."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from pitchless.core import health as health_checks
from pitchless.core.forms import TryGuardForm
from pitchless.core.guard import get_guard
from pitchless.guard import BulkCounts, MessageContext


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what Pitchless is and where to start."""
    return render(request, "core/home.html")


@require_http_methods(["GET", "POST"])
def try_guard(request: HttpRequest) -> HttpResponse:
    """Score a pasted message in a context the visitor sets, and show the verdict."""
    verdict = None
    if request.method == "POST":
        form = TryGuardForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            now = timezone.now()
            minutes = data["minutes_since_connect"]
            ctx = MessageContext(
                text=data["text"],
                subject=data["subject"],
                sent_at=now,
                connected_at=None if minutes is None else now - timedelta(minutes=minutes),
                recipient_messages_to_sender=data["recipient_replied"],
                bulk=BulkCounts(recipients=data["same_text_recipients"], senders=1),
            )
            verdict = get_guard().score(ctx)
    else:
        form = TryGuardForm()
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "core/try_guard.html", {"form": form, "verdict": verdict}, status=status)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request: HttpRequest) -> HttpResponse:
    """``{"status": "ok" | "degraded" | "down", "checks": {...}}``; 503 only when "down".

    No log-in: a load balancer asks it. Never cached (``Cache-Control: no-store``).
    """
    result = health_checks.health()
    return JsonResponse(result.as_dict(), status=result.http_status)
