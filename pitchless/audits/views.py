"""Pages of "Audit my LinkedIn inbox": upload, status, downloads, keep and delete.

Thin views: check access, call a service, respond. Only a run's owner ever sees it; to anyone
else it does not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .forms import UploadForm, max_upload_bytes, too_large_message
from .models import REPORT_FILES, AuditRun


class _SizeLimitHandler(FileUploadHandler):
    """Drops an uploaded file as soon as it passes the limit, before it is stored or read."""

    def __init__(self, limit: int, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = limit
        self.seen = 0
        self.too_large = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.seen = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.seen += len(raw_data)
        if self.seen > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _own_run(request: HttpRequest, run_id: Any) -> AuditRun:
    if not request.user.is_authenticated:
        raise Http404("No such audit.")
    return get_object_or_404(AuditRun.objects.owned_by(request.user), pk=run_id)


# The size limit must be in place before the body is parsed, and CSRF checking parses it:
# so the check runs inside, once the handler is installed (as Django's docs describe).
@csrf_exempt
@login_required
def audit_home(request: HttpRequest) -> HttpResponse:
    """The upload form and the member's recent audits."""
    limiter = _SizeLimitHandler(max_upload_bytes(), request)
    request.upload_handlers.insert(0, limiter)
    return _audit_home(request, limiter)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _audit_home(request: HttpRequest, limiter: _SizeLimitHandler) -> HttpResponse:
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        valid = form.is_valid()
        if limiter.too_large:
            form.errors["export"] = form.error_class([too_large_message()])
            valid = False
        if valid:
            data = form.cleaned_data
            run = services.start_audit(
                owner=request.user,
                chunks=data["export"].chunks(),
                days=data["days"],
                since=data["since"],
                redact_names=data["redact"],
            )
            return redirect("audits:status", run_id=run.pk)
        status = 400
    else:
        form = UploadForm()
        status = 200
    runs = AuditRun.objects.owned_by(request.user)[:20]
    context = {
        "form": form,
        "runs": runs,
        "max_bytes": max_upload_bytes(),
        "retention_hours": settings.PITCHLESS_AUDIT_RETENTION_HOURS,
    }
    return render(request, "audits/audit_home.html", context, status=status)


@never_cache
@login_required
@require_GET
def audit_status(request: HttpRequest, run_id: Any) -> HttpResponse:
    """Progress while the audit runs; then the summary, the top of the list and the downloads."""
    run = _own_run(request, run_id)
    context = {
        "run": run,
        "formats": [(fmt, fmt.upper(), fmt in run.available_reports) for fmt in REPORT_FILES],
        "retention_hours": settings.PITCHLESS_AUDIT_RETENTION_HOURS,
    }
    return render(request, "audits/audit_status.html", context)


@never_cache
@require_GET
def audit_download(request: HttpRequest, run_id: Any, fmt: str) -> FileResponse:
    """One report as an attachment; a report not kept is deleted once downloaded."""
    run = _own_run(request, run_id)
    if fmt not in REPORT_FILES or run.status != AuditRun.Status.DONE:
        raise Http404("No such report.")
    fh = services.take_report(run=run, fmt=fmt)
    if fh is None:
        raise Http404("This report was already downloaded or deleted.")
    content_type = REPORT_FILES[fmt][1]
    stamp = run.created_at.strftime("%Y-%m-%d")
    response = FileResponse(
        fh, as_attachment=True, filename=f"pitchless-audit-{stamp}.{fmt}", content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def audit_keep(request: HttpRequest, run_id: Any) -> HttpResponse:
    """Keep this run's reports past the retention period."""
    run = _own_run(request, run_id)
    services.keep_run(run=run)
    messages.success(request, "Report kept. It stays until you delete it.")
    return redirect("audits:status", run_id=run.pk)


@login_required
@require_POST
def audit_delete(request: HttpRequest, run_id: Any) -> HttpResponse:
    """Delete this run and every file it left."""
    run = _own_run(request, run_id)
    services.delete_run(run=run)
    messages.success(request, "Audit deleted.")
    return redirect("audits:home")
