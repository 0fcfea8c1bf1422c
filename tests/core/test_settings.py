"""Settings come from the environment, and production refuses unsafe defaults."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from tests.conftest import REPO_ROOT


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PITCHLESS_")}
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"):
        clean.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_the_development_secret_key():
    proc = _manage("check", PITCHLESS_ENVIRONMENT="production")
    assert proc.returncode != 0
    assert "PITCHLESS_SECRET_KEY must be set" in proc.stderr


def test_production_settings_pass_the_deployment_checklist():
    proc = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        PITCHLESS_ENVIRONMENT="production",
        PITCHLESS_SECRET_KEY=secrets.token_urlsafe(50),
        PITCHLESS_ALLOWED_HOSTS="pitchless.example.org",
    )
    assert proc.returncode == 0, proc.stderr
    assert "no issues" in proc.stdout


def test_a_malformed_boolean_names_the_variable():
    proc = _manage("check", PITCHLESS_DEBUG="maybe")
    assert proc.returncode != 0
    assert "PITCHLESS_DEBUG must be a boolean" in proc.stderr
