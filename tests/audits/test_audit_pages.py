"""End to end through the URLs: upload, inline run, status, downloads, keep, delete, cleanup."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from pitchless.audits.models import AuditRun
from pitchless.audits.tasks import cleanup_audits_task, run_audit_task

from .conftest import login

pytestmark = pytest.mark.django_db


def upload(client: Client, path: Path, capture, **options: object):
    """Post an export to the upload page, running the queued task as the commit happens."""
    with capture(execute=True), open(path, "rb") as fh:
        return client.post("/audit/", {"export": fh, "days": 7, **options})


def only_run() -> AuditRun:
    (run,) = AuditRun.objects.all()
    return run


def test_upload_form_needs_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_upload_page_says_what_is_stored(alice):
    page = login(alice).get("/audit/").content.decode()
    assert "Audit my LinkedIn inbox" in page
    assert "Nothing is stored unless you" in page
    assert 'enctype="multipart/form-data"' in page


def test_upload_runs_inline_and_shows_the_summary(
    alice, export_zip, audit_dir, django_capture_on_commit_callbacks
):
    client = login(alice)
    response = upload(client, export_zip, django_capture_on_commit_callbacks)
    run = only_run()
    assert response.status_code == 302
    assert response["Location"] == f"/audit/{run.pk}/"
    assert run.status == AuditRun.Status.DONE, run.error
    assert run.progress == 100
    assert run.finished_at is not None
    assert run.owner == alice
    # The upload is gone; the three reports are there.
    assert run.upload_path == ""
    assert not (audit_dir / str(run.pk) / "upload.zip").exists()
    assert sorted(p.name for p in (audit_dir / str(run.pk)).iterdir()) == [
        "report.csv",
        "report.html",
        "report.json",
    ]
    assert run.summary["counts"]["messages"] > 0
    assert run.summary["lists"]["Connected and then pitched"] >= 1
    assert run.summary["top"][0]["connect_and_sell"] is True

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'http-equiv="refresh"' not in html
    assert "private data" in html
    assert "Connected and then pitched" in html
    assert run.summary["top"][0]["name"] in html
    # What was read from the export, file by file, and who the owner was taken to be.
    assert "Read from your export" in html
    assert any(line.startswith("owner: ") for line in run.summary["read_report"])
    assert any("messages read; none skipped" in line for line in run.summary["read_report"])
    assert "messages read; none skipped" in html
    assert "Keep this report" in html
    for fmt in ("html", "csv", "json"):
        assert f"/audit/{run.pk}/report.{fmt}" in html


def test_options_reach_the_audit(alice, export_zip, django_capture_on_commit_callbacks):
    client = login(alice)
    upload(client, export_zip, django_capture_on_commit_callbacks, days=0, redact="on")
    run = only_run()
    assert (run.days, run.redact) == (0, True)
    assert run.status == AuditRun.Status.DONE
    doc = json.loads(b"".join(client.get(f"/audit/{run.pk}/report.json").streaming_content))
    assert doc["settings"]["days"] == 0
    assert all(p["profile_url"] in (None, "") for p in doc["people"])


def test_downloads_are_attachments_and_vanish_unless_kept(
    alice, export_zip, audit_dir, django_capture_on_commit_callbacks
):
    client = login(alice)
    upload(client, export_zip, django_capture_on_commit_callbacks)
    run = only_run()
    for fmt, start in (("html", b"<!doctype html"), ("csv", b"rank,"), ("json", b"{")):
        response = client.get(f"/audit/{run.pk}/report.{fmt}")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert f".{fmt}" in response["Content-Disposition"]
        body = b"".join(response.streaming_content)
        assert body.lower().startswith(start), body[:40]
        # Not kept: deleted once downloaded.
        assert not (audit_dir / str(run.pk) / f"report.{fmt}").exists()
        assert client.get(f"/audit/{run.pk}/report.{fmt}").status_code == 404
    assert "downloaded and deleted" in client.get(f"/audit/{run.pk}/").content.decode()


def test_kept_reports_can_be_downloaded_again(
    alice, export_zip, django_capture_on_commit_callbacks
):
    client = login(alice)
    upload(client, export_zip, django_capture_on_commit_callbacks)
    run = only_run()
    response = client.post(f"/audit/{run.pk}/keep/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.keep
    for _ in range(2):
        response = client.get(f"/audit/{run.pk}/report.csv")
        assert response.status_code == 200
        assert b"".join(response.streaming_content)
    assert "Keep this report" not in client.get(f"/audit/{run.pk}/").content.decode()


def test_only_the_owner_sees_a_run(alice, bob, export_zip, django_capture_on_commit_callbacks):
    upload(login(alice), export_zip, django_capture_on_commit_callbacks)
    run = only_run()
    other, anonymous = login(bob), Client()
    for fmt in ("html", "csv", "json"):
        assert other.get(f"/audit/{run.pk}/report.{fmt}").status_code == 404
        assert anonymous.get(f"/audit/{run.pk}/report.{fmt}").status_code == 404
    assert other.get(f"/audit/{run.pk}/").status_code == 404
    assert other.post(f"/audit/{run.pk}/keep/").status_code == 404
    assert other.post(f"/audit/{run.pk}/delete/").status_code == 404
    assert anonymous.get(f"/audit/{run.pk}/").status_code == 302  # to the log-in page
    run.refresh_from_db()
    assert not run.keep
    assert run.available_reports == ["html", "csv", "json"]  # nothing was taken by them


def test_oversized_upload_is_a_form_error(
    alice, export_zip, audit_dir, settings, django_capture_on_commit_callbacks
):
    settings.PITCHLESS_AUDIT_MAX_UPLOAD_BYTES = 100
    response = upload(login(alice), export_zip, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "larger than the 100" in response.content.decode()
    assert not AuditRun.objects.exists()
    assert not audit_dir.exists() or not any(audit_dir.iterdir())


def test_missing_file_is_a_form_error(alice):
    response = login(alice).post("/audit/", {"days": 7})
    assert response.status_code == 400
    assert not AuditRun.objects.exists()


@pytest.mark.parametrize(
    ("files", "raw", "needle"),
    [
        ({"notes.txt": "shopping list", "photo.csv": "a,b\n1,2\n"}, None, "export"),
        (None, b"this is not a zip file at all", ""),
    ],
    ids=["zip-not-an-export", "not-a-zip"],
)
def test_bad_input_fails_with_the_message(
    alice, tmp_path, audit_dir, files, raw, needle, django_capture_on_commit_callbacks
):
    path = tmp_path / "upload.zip"
    if files is not None:
        with zipfile.ZipFile(path, "w") as zf:
            for name, text in files.items():
                zf.writestr(name, text)
    else:
        path.write_bytes(raw)
    client = login(alice)
    response = upload(client, path, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    run = only_run()
    assert run.status == AuditRun.Status.FAILED
    assert run.error and "\n" not in run.error
    assert needle in run.error.lower()
    assert not (audit_dir / str(run.pk) / "upload.zip").exists()
    page = client.get(f"/audit/{run.pk}/")
    assert page.status_code == 200
    assert run.error in page.content.decode().replace("&#x27;", "'")
    assert client.get(f"/audit/{run.pk}/report.html").status_code == 404


def test_a_zip_bomb_fails_cleanly(alice, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("messages.csv", b"\0" * (20 * 1024 * 1024))
    upload(login(alice), path, django_capture_on_commit_callbacks)
    run = only_run()
    assert run.status == AuditRun.Status.FAILED
    assert run.error


def test_the_task_is_idempotent(alice, export_zip, audit_dir, django_capture_on_commit_callbacks):
    upload(login(alice), export_zip, django_capture_on_commit_callbacks)
    run = only_run()
    report = audit_dir / str(run.pk) / "report.json"
    before = (run.finished_at, report.stat().st_mtime_ns, run.summary)
    run_audit_task(str(run.pk))
    run_audit_task.delay(str(run.pk))
    run.refresh_from_db()
    assert run.status == AuditRun.Status.DONE
    assert (run.finished_at, report.stat().st_mtime_ns, run.summary) == before
    run_audit_task("00000000-0000-0000-0000-000000000000")  # a deleted run: nothing to do


def test_a_queued_run_refreshes_its_page(alice):
    run = AuditRun.objects.create(owner=alice, progress=35, status=AuditRun.Status.RUNNING)
    html = login(alice).get(f"/audit/{run.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert 'value="35"' in html
    assert "Keep this report" not in html


def test_delete_removes_the_run_and_its_files(
    alice, export_zip, audit_dir, django_capture_on_commit_callbacks
):
    client = login(alice)
    upload(client, export_zip, django_capture_on_commit_callbacks)
    run = only_run()
    assert client.post(f"/audit/{run.pk}/delete/").status_code == 302
    assert not AuditRun.objects.exists()
    assert not (audit_dir / str(run.pk)).exists()


def _aged_run(owner, audit_dir: Path, *, hours: float, keep: bool) -> AuditRun:
    run = AuditRun.objects.create(
        owner=owner,
        status=AuditRun.Status.DONE,
        keep=keep,
        created_at=timezone.now() - timedelta(hours=hours),
    )
    folder = audit_dir / str(run.pk)
    folder.mkdir(parents=True)
    (folder / "report.csv").write_text("rank\n")
    return run


@pytest.mark.parametrize("how", ["command", "task"])
def test_cleanup_deletes_unkept_runs_past_retention(alice, audit_dir, settings, how):
    settings.PITCHLESS_AUDIT_RETENTION_HOURS = 24
    old = _aged_run(alice, audit_dir, hours=25, keep=False)
    old_kept = _aged_run(alice, audit_dir, hours=25 * 30, keep=True)
    recent = _aged_run(alice, audit_dir, hours=23, keep=False)
    if how == "command":
        out = io.StringIO()
        call_command("audits_cleanup", stdout=out)
        assert "deleted 1 audit run" in out.getvalue()
    else:
        assert cleanup_audits_task.delay().get() == 1
    assert set(AuditRun.objects.values_list("pk", flat=True)) == {old_kept.pk, recent.pk}
    assert not (audit_dir / str(old.pk)).exists()
    assert (audit_dir / str(old_kept.pk) / "report.csv").exists()
    assert (audit_dir / str(recent.pk) / "report.csv").exists()


def test_progress_is_written_now_and_then(alice, monkeypatch):
    from pitchless.audits import services

    run = AuditRun.objects.create(owner=alice, status=AuditRun.Status.RUNNING)
    clock = iter([0.0, 0.1, 0.2, 5.0, 5.1])
    monkeypatch.setattr(services.time, "monotonic", lambda: next(clock))
    progress = services._Progress(run.pk)  # starts the clock at 0.0
    progress(10, 100)  # 0.1 s later: too soon to write
    run.refresh_from_db()
    assert run.progress == 0
    progress(20, 100)  # still too soon
    progress(50, 100)  # 5 s later: written, scaled to the reading stage
    run.refresh_from_db()
    assert run.progress == 35


def test_a_run_whose_worker_died_starts_over_when_its_task_comes_again(
    alice, export_zip, audit_dir, settings
):
    from pitchless.audits import services

    settings.CELERY_TASK_TIME_LIMIT = 600
    with open(export_zip, "rb") as fh:
        run = services.start_audit(owner=alice, chunks=[fh.read()])
    # A worker claimed it, then was killed: the upload is still there, the run "running".
    claimed = timezone.now() - timedelta(seconds=60)
    AuditRun.objects.filter(pk=run.pk).update(status=AuditRun.Status.RUNNING, started_at=claimed)
    assert services.process_run(run_id=run.pk) is None  # within the time limit: still its own
    AuditRun.objects.filter(pk=run.pk).update(started_at=claimed - timedelta(seconds=600))
    done = services.process_run(run_id=run.pk)  # the task, delivered again
    assert done is not None and done.status == AuditRun.Status.DONE
    assert (audit_dir / str(run.pk) / "report.json").is_file()
    assert services.process_run(run_id=run.pk) is None  # and only once


def test_cleanup_fails_a_run_left_running_by_a_dead_worker(alice, audit_dir, settings):
    from pitchless.audits import services

    settings.CELERY_TASK_TIME_LIMIT = 600
    long_ago = timezone.now() - timedelta(seconds=1300)
    stuck = AuditRun.objects.create(
        owner=alice, status=AuditRun.Status.RUNNING, started_at=long_ago
    )
    busy = AuditRun.objects.create(
        owner=alice, status=AuditRun.Status.RUNNING, started_at=timezone.now()
    )
    assert services.fail_abandoned_runs() == 1
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == AuditRun.Status.FAILED
    assert "please upload the export again" in stuck.error
    assert busy.status == AuditRun.Status.RUNNING
