"""Every write of the audits app: start a run, process it, keep it, delete it, clean up.

Views, the management command and the Celery tasks all call these functions.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pitchless.audit import (
    LIST_TITLES,
    AuditSettings,
    Category,
    read_report_lines,
    redact,
    run_audit,
    to_csv,
    to_json_dict,
    write_html,
    write_json,
)
from pitchless.core.guard import get_guard
from pitchless.linkedin import ExportError, read_export

from .models import REPORT_FILES, UPLOAD_NAME, AuditRun, audits_dir

logger = logging.getLogger(__name__)

#: People shown on the status page; the full list is in the downloads.
TOP_PEOPLE = 10
#: The progress bar is written at most this often while the export is read.
_PROGRESS_EVERY_SECONDS = 1.0
# Share of the bar each stage fills: reading the ZIP, scoring, writing the reports.
_READ_END, _SCORE_END = 70, 90


def start_audit(
    *,
    owner: Any,
    chunks: Iterable[bytes],
    days: int = 7,
    since: date | None = None,
    redact_names: bool = False,
) -> AuditRun:
    """Store an uploaded export under its run's folder and queue the audit once committed."""
    run_id = uuid.uuid4()
    folder = audits_dir() / str(run_id)
    folder.mkdir(parents=True, exist_ok=False)
    try:
        with open(folder / UPLOAD_NAME, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        with transaction.atomic():
            run = AuditRun.objects.create(
                id=run_id,
                owner=owner,
                days=days,
                since=since,
                redact=redact_names,
                upload_path=f"{run_id}/{UPLOAD_NAME}",
            )
            transaction.on_commit(lambda: _enqueue(run.pk))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return run


def _enqueue(run_id: uuid.UUID) -> None:
    from .tasks import run_audit_task

    run_audit_task.delay(str(run_id))


class _Progress:
    """A ``read_export`` progress callback that writes the run's bar now and then."""

    def __init__(self, run_id: uuid.UUID) -> None:
        self.run_id = run_id
        self.last = 0
        self.at = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        percent = min(_READ_END, int(_READ_END * done / total))
        now = time.monotonic()
        if percent > self.last and now - self.at >= _PROGRESS_EVERY_SECONDS:
            self.set(percent)

    def set(self, percent: int) -> None:
        self.last, self.at = percent, time.monotonic()
        AuditRun.objects.filter(pk=self.run_id).update(progress=percent)


def _task_limit() -> timedelta:
    return timedelta(seconds=int(settings.CELERY_TASK_TIME_LIMIT))


def _abandoned_before(now: datetime) -> datetime:
    # A task cannot run past its hard time limit, so a run claimed longer ago than that and
    # still "running" lost its worker (killed, or the machine went down).
    return now - _task_limit()


def process_run(*, run_id: uuid.UUID | str) -> AuditRun | None:
    """Audit a queued run's upload and write its reports; the upload is deleted at the end.

    Idempotent: a run that is missing, running, done or failed is left alone, except a run
    whose worker died mid-audit (claimed longer ago than the task's time limit): Celery
    delivers its task again, and the run starts over from the upload, which is kept until the
    end. Bad input ends the run as ``failed`` with the reader's one-line message.
    """
    now = timezone.now()
    claimable = Q(status=AuditRun.Status.QUEUED) | Q(
        status=AuditRun.Status.RUNNING, started_at__lt=_abandoned_before(now)
    )
    claimed = AuditRun.objects.filter(claimable, pk=run_id).update(
        status=AuditRun.Status.RUNNING, progress=0, started_at=now
    )
    if not claimed:
        return None
    run = AuditRun.objects.get(pk=run_id)
    upload = audits_dir() / run.upload_path if run.upload_path else None
    try:
        if upload is None or not upload.is_file():
            raise ExportError("the uploaded file is no longer there; please upload it again")
        fields = _audit_upload(run, upload)
        status, error = AuditRun.Status.DONE, ""
    except ExportError as exc:
        fields, status, error = {}, AuditRun.Status.FAILED, str(exc).splitlines()[0][:500]
    except Exception:
        logger.exception("audit run %s failed", run.pk)
        fields, status = {}, AuditRun.Status.FAILED
        error = "the audit stopped on an unexpected error; the site's operators have been told"
    finally:
        if upload is not None:
            upload.unlink(missing_ok=True)
    with transaction.atomic():
        updated = AuditRun.objects.filter(pk=run.pk).update(
            status=status,
            error=error,
            progress=100,
            finished_at=timezone.now(),
            upload_path="",
            **fields,
        )
    if not updated:  # deleted while it ran: leave no files behind
        shutil.rmtree(run.folder, ignore_errors=True)
        return None
    return AuditRun.objects.get(pk=run.pk)


def _audit_upload(run: AuditRun, upload: Path) -> dict[str, Any]:
    """Read, score and write the reports; returns the run's fields to store."""
    progress = _Progress(run.pk)
    export = read_export(upload, progress=progress)
    if not export.messages:
        raise ExportError(f"the export holds no messages to audit ({upload.stat().st_size} bytes)")
    progress.set(_READ_END)
    result = run_audit(export, get_guard(), settings=AuditSettings(days=run.days, since=run.since))
    del export  # the result holds what the reports need
    if run.redact:
        result = redact(result)
    progress.set(_SCORE_END)
    folder = run.folder
    write_html(result, folder / REPORT_FILES["html"][0])
    (folder / REPORT_FILES["csv"][0]).write_text(to_csv(result), encoding="utf-8")
    with open(folder / REPORT_FILES["json"][0], "w", encoding="utf-8") as fh:
        write_json(result, fh, indent=1)
    doc = to_json_dict(result, people=False)
    top = []
    for person in result.people[:TOP_PEOPLE]:
        top.append(
            {
                "name": person.name,
                "list": LIST_TITLES[person.category],
                "connect_and_sell": person.connect_and_sell,
                "days_to_first_message": person.days_to_first_message,
                "score": round(person.score, 3),
                "reasons": [r.text for r in person.reasons[:3]],
            }
        )
    lists = {LIST_TITLES[c]: len(result.by_category(c)) for c in Category}
    return {
        **{f"{fmt}_path": f"{run.pk}/{name}" for fmt, (name, _) in REPORT_FILES.items()},
        "summary": {
            "owner": doc["owner"],
            "counts": doc["counts"],
            "lists": lists,
            "people": len(result.people),
            "top": top,
            "warnings": doc["warnings"][:20],
            "read_report": read_report_lines(doc["read_report"])[:40],
        },
    }


def take_report(*, run: AuditRun, fmt: str) -> BinaryIO | None:
    """One report, opened for sending; a report the owner did not keep is deleted as it goes.

    Returns ``None`` when that report is not there (never written, or already downloaded).
    """
    rel = run.report_path(fmt)
    if not rel:
        return None
    path = audits_dir() / rel
    try:
        fh = open(path, "rb")  # noqa: SIM115 - the response closes it
    except FileNotFoundError:
        return None
    if not run.keep:
        # The open handle still reads the file after the name is gone.
        with transaction.atomic():
            AuditRun.objects.filter(pk=run.pk).update(**{f"{fmt}_path": ""})
        path.unlink(missing_ok=True)
    return fh


def keep_run(*, run: AuditRun) -> AuditRun:
    """Keep a run's reports until the owner deletes them (no retention deadline)."""
    with transaction.atomic():
        AuditRun.objects.filter(pk=run.pk).update(keep=True)
    run.keep = True
    return run


def delete_run(*, run: AuditRun) -> None:
    """Delete a run, its reports and any upload left."""
    folder = run.folder
    with transaction.atomic():
        AuditRun.objects.filter(pk=run.pk).delete()
    shutil.rmtree(folder, ignore_errors=True)


def fail_abandoned_runs(*, now: datetime | None = None) -> int:
    """End as ``failed`` the runs whose worker died and whose task was not delivered again
    (twice the task's time limit after their claim); returns how many."""
    now = now or timezone.now()
    stale = AuditRun.objects.filter(
        status=AuditRun.Status.RUNNING,
        started_at__lt=now - 2 * _task_limit(),
    )
    count = 0
    for run in stale.iterator():
        if run.upload_path:
            (audits_dir() / run.upload_path).unlink(missing_ok=True)
        count += AuditRun.objects.filter(pk=run.pk, status=AuditRun.Status.RUNNING).update(
            status=AuditRun.Status.FAILED,
            error="the audit stopped before it finished; please upload the export again",
            finished_at=now,
            upload_path="",
        )
    return count


def delete_expired_runs(*, now: datetime | None = None) -> int:
    """Delete runs not kept and older than PITCHLESS_AUDIT_RETENTION_HOURS; returns how many.

    Runs left "running" by a worker that died are failed first (:func:`fail_abandoned_runs`).
    """
    now = now or timezone.now()
    fail_abandoned_runs(now=now)
    hours = settings.PITCHLESS_AUDIT_RETENTION_HOURS
    count = 0
    for run in AuditRun.objects.expired(now=now, hours=hours).iterator():
        delete_run(run=run)
        count += 1
    return count
