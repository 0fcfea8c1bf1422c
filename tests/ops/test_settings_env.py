"""Production settings from the environment: REDIS_URL as the default of the cache, the broker
and the bulk index; SQLite, memory and inline tasks when nothing is set; JSON logs."""

from __future__ import annotations

import json
import re
import subprocess

from tests.ops.conftest import REPO_ROOT, clean_env, python

_READ = """
import json
from pitchless.config import settings as s
print(json.dumps({
    "db": s.DATABASES["default"]["ENGINE"],
    "cache": s.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    "cache_at": s.CACHES["default"].get("LOCATION"),
    "broker": s.CELERY_BROKER_URL,
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "bulk": s.PITCHLESS_BULK_STORE_URL,
    "queue": s.CELERY_TASK_DEFAULT_QUEUE,
    "log": s.LOGGING["handlers"]["console"]["formatter"],
}))
"""


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        python("-c", code),
        cwd=REPO_ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _settings(**env: str) -> dict:
    proc = _run(_READ, **env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_nothing_set_means_one_machine_without_other_servers(tmp_path):
    got = _settings(PITCHLESS_VAR_DIR=str(tmp_path))
    assert got == {
        "db": "django.db.backends.sqlite3",
        "cache": "LocMemCache",
        "cache_at": None,
        "broker": "",
        "eager": True,
        "bulk": "database",
        "queue": "pitchless",
        "log": "plain",
    }


def test_redis_url_is_the_default_of_the_cache_the_broker_and_the_bulk_index():
    url = "redis://127.0.0.1:6379/13"
    got = _settings(REDIS_URL=url, DATABASE_URL="postgres://u:p@db.internal:5432/pitchless")
    assert got["db"] == "django.db.backends.postgresql"
    assert (got["cache"], got["cache_at"]) == ("RedisCache", url)
    assert (got["broker"], got["eager"]) == (url, False)
    assert got["bulk"] == url


def test_the_specific_variables_override_redis_url():
    got = _settings(
        REDIS_URL="redis://127.0.0.1:6379/13",
        PITCHLESS_CACHE_URL="redis://cache.internal:6379/0",
        PITCHLESS_CELERY_BROKER_URL="redis://broker.internal:6379/1",
        PITCHLESS_BULK_STORE_URL="database",
        PITCHLESS_CELERY_QUEUE="site-a",
    )
    assert got["cache_at"] == "redis://cache.internal:6379/0"
    assert got["broker"] == "redis://broker.internal:6379/1"
    assert got["bulk"] == "database"
    assert got["queue"] == "site-a"


def test_bad_values_stop_start_up_naming_the_variable():
    for env, words in (
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must start with redis://"),
        ({"PITCHLESS_BULK_STORE_URL": "memcached://x"}, "PITCHLESS_BULK_STORE_URL must be"),
        ({"PITCHLESS_LOG_FORMAT": "xml"}, "PITCHLESS_LOG_FORMAT must be plain or json"),
        (
            {"PITCHLESS_TASK_TIME_LIMIT": "7200"},
            "PITCHLESS_TASK_VISIBILITY_TIMEOUT must be longer than PITCHLESS_TASK_TIME_LIMIT",
        ),
    ):
        proc = _run(_READ, **env)
        assert proc.returncode != 0, env
        assert words in proc.stderr, proc.stderr[-500:]


def test_json_logs_are_one_object_per_line(tmp_path):
    proc = _run(
        "import django, logging, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'pitchless.config.settings'\n"
        "django.setup()\n"
        "logging.getLogger('pitchless.test').warning('sent %s', 3, extra={'member': 7})\n",
        PITCHLESS_LOG_FORMAT="json",
        PITCHLESS_VAR_DIR=str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    line = json.loads(proc.stderr.strip().splitlines()[-1])
    assert line["message"] == "sent 3"
    assert (line["level"], line["logger"], line["member"]) == ("WARNING", "pitchless.test", 7)
    assert "time" in line


def test_every_variable_is_in_the_example_file_and_the_docs():
    settings_py = (REPO_ROOT / "pitchless" / "config" / "settings.py").read_text()
    example = (REPO_ROOT / ".env.example").read_text()
    docs = (REPO_ROOT / "docs" / "configuration.md").read_text()
    names = set(
        re.findall(r"""(?:environ\.get|_env_\w+)\(\s*["']([A-Z][A-Z0-9_]+)["']""", settings_py)
    )
    assert {"REDIS_URL", "PITCHLESS_LOG_FORMAT", "PITCHLESS_BULK_STORE_URL"} <= names
    missing_example = sorted(n for n in names if not re.search(rf"^#?\s*{n}=", example, re.M))
    assert missing_example == []
    missing_docs = sorted(n for n in names if n not in docs and not _documented_as_group(n, docs))
    assert missing_docs == []


def _documented_as_group(name: str, docs: str) -> bool:
    # docs/configuration.md lists the SMTP settings as one row, `PITCHLESS_EMAIL_*`.
    return name.startswith("PITCHLESS_EMAIL_") and "PITCHLESS_EMAIL_*" in docs
