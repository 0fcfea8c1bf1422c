"""The Celery app: ``celery -A pitchless.config worker`` (and ``beat`` for the schedule).

Settings come from Django's, those named ``CELERY_*``. With no broker configured
(``PITCHLESS_CELERY_BROKER_URL`` empty) tasks run inline, in the process that queues them.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pitchless.config.settings")

app = Celery("pitchless")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
