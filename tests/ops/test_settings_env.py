"""Production settings from the environment: REDIS_URL as the default of the cache, the broker
and the bulk index; SQLite, memory and inline tasks when nothing is set; JSON logs."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

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


_LOG = (
    "import django, logging, os\n"
    "os.environ['DJANGO_SETTINGS_MODULE'] = 'pitchless.config.settings'\n"
    "django.setup()\n"
    "logging.getLogger('pitchless.test').warning('sent %s', 3, extra={'member': 7})\n"
)

#: every environment these tests read, started at once (each is a fresh interpreter)
_CASES: dict[str, tuple[str, dict[str, str]]] = {
    "nothing": (_READ, {}),
    "redis": (
        _READ,
        {
            "REDIS_URL": "redis://127.0.0.1:6379/13",
            "DATABASE_URL": "postgres://u:p@db.internal:5432/pitchless",
        },
    ),
    "specific": (
        _READ,
        {
            "REDIS_URL": "redis://127.0.0.1:6379/13",
            "PITCHLESS_CACHE_URL": "redis://cache.internal:6379/0",
            "PITCHLESS_CELERY_BROKER_URL": "redis://broker.internal:6379/1",
            "PITCHLESS_BULK_STORE_URL": "database",
            "PITCHLESS_CELERY_QUEUE": "site-a",
        },
    ),
    "bad_redis": (_READ, {"REDIS_URL": "127.0.0.1:6379"}),
    "bad_bulk": (_READ, {"PITCHLESS_BULK_STORE_URL": "memcached://x"}),
    "bad_log": (_READ, {"PITCHLESS_LOG_FORMAT": "xml"}),
    "bad_visibility": (_READ, {"PITCHLESS_TASK_TIME_LIMIT": "7200"}),
    "json_log": (_LOG, {"PITCHLESS_LOG_FORMAT": "json"}),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, tuple[int, str, str]]:
    """(exit status, stdout, stderr) of each case, run in parallel to keep the suite fast."""
    var = tmp_path_factory.mktemp("var")
    started = {
        name: subprocess.Popen(
            python("-c", code),
            cwd=REPO_ROOT,
            env=clean_env(PITCHLESS_VAR_DIR=str(var), **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (code, env) in _CASES.items()
    }
    done = {}
    for name, proc in started.items():
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate(timeout=10)
        done[name] = (proc.returncode, out, err)
    return done


def _settings(outcomes, name: str) -> dict:
    status, out, err = outcomes[name]
    assert status == 0, err
    return json.loads(out)


def test_nothing_set_means_one_machine_without_other_servers(outcomes):
    got = _settings(outcomes, "nothing")
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


def test_redis_url_is_the_default_of_the_cache_the_broker_and_the_bulk_index(outcomes):
    url = "redis://127.0.0.1:6379/13"
    got = _settings(outcomes, "redis")
    assert got["db"] == "django.db.backends.postgresql"
    assert (got["cache"], got["cache_at"]) == ("RedisCache", url)
    assert (got["broker"], got["eager"]) == (url, False)
    assert got["bulk"] == url


def test_the_specific_variables_override_redis_url(outcomes):
    got = _settings(outcomes, "specific")
    assert got["cache_at"] == "redis://cache.internal:6379/0"
    assert got["broker"] == "redis://broker.internal:6379/1"
    assert got["bulk"] == "database"
    assert got["queue"] == "site-a"


def test_bad_values_stop_start_up_naming_the_variable(outcomes):
    for name, words in (
        ("bad_redis", "REDIS_URL must start with redis://"),
        ("bad_bulk", "PITCHLESS_BULK_STORE_URL must be"),
        ("bad_log", "PITCHLESS_LOG_FORMAT must be plain or json"),
        (
            "bad_visibility",
            "PITCHLESS_TASK_VISIBILITY_TIMEOUT must be longer than PITCHLESS_TASK_TIME_LIMIT",
        ),
    ):
        status, _, err = outcomes[name]
        assert status != 0, name
        assert words in err, err[-500:]


def test_json_logs_are_one_object_per_line(outcomes):
    status, _, err = outcomes["json_log"]
    assert status == 0, err
    line = json.loads(err.strip().splitlines()[-1])
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
