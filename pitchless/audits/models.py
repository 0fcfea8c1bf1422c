"""One audit of one uploaded LinkedIn export, and where its report files are."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone

#: The report files a finished run has, by format: (file name, MIME type).
REPORT_FILES: dict[str, tuple[str, str]] = {
    "html": ("report.html", "text/html; charset=utf-8"),
    "csv": ("report.csv", "text/csv; charset=utf-8"),
    "json": ("report.json", "application/json"),
}
UPLOAD_NAME = "upload.zip"


def audits_dir() -> Path:
    """The folder that holds one sub-folder per run (``var/audits`` by default)."""
    return Path(settings.PITCHLESS_AUDIT_DIR)


class AuditRunQuerySet(models.QuerySet["AuditRun"]):
    """Reusable reads over audit runs."""

    def owned_by(self, member: object) -> AuditRunQuerySet:
        """The runs ``member`` started."""
        return self.filter(owner=member)

    def expired(self, *, now: datetime, hours: int) -> AuditRunQuerySet:
        """Runs not kept by their owner and started more than ``hours`` before ``now``."""
        return self.filter(keep=False, created_at__lt=now - timezone.timedelta(hours=hours))


class AuditRun(models.Model):
    """An uploaded export going through the audit; ``id`` names its folder and its page."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="audit_runs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0 to 100")
    error = models.CharField(max_length=500, blank=True, help_text="why the run failed")
    # The options the member chose on the upload form.
    days = models.PositiveSmallIntegerField(default=7)
    since = models.DateField(null=True, blank=True)
    redact = models.BooleanField(default=False)
    keep = models.BooleanField(default=False, help_text="the owner chose to keep the report")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    #: when a worker claimed the run; a run still "running" long after this lost its worker
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Paths relative to PITCHLESS_AUDIT_DIR; empty once the file is gone.
    upload_path = models.CharField(max_length=200, blank=True)
    html_path = models.CharField(max_length=200, blank=True)
    csv_path = models.CharField(max_length=200, blank=True)
    json_path = models.CharField(max_length=200, blank=True)
    #: ``{"owner", "counts", "lists", "people", "top", "warnings", "read_report"}``: the figures
    #: shown on the status page (``read_report`` as lines of the "Read from your export" block).
    summary = models.JSONField(default=dict, blank=True)

    objects = AuditRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"audit {self.id} ({self.status})"

    @property
    def folder(self) -> Path:
        """The run's own folder under PITCHLESS_AUDIT_DIR."""
        return audits_dir() / str(self.id)

    @property
    def is_finished(self) -> bool:
        """Done or failed: nothing more will happen to this run."""
        return self.status in {self.Status.DONE, self.Status.FAILED}

    def report_path(self, fmt: str) -> str:
        """The stored relative path of one report format ("" when absent)."""
        return str(getattr(self, f"{fmt}_path"))

    @property
    def available_reports(self) -> list[str]:
        """The formats whose file is still there to download."""
        return [fmt for fmt in REPORT_FILES if self.report_path(fmt)]
