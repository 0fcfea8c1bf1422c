"""Celery tasks of moderation: retraining the guard's text model from members' feedback.

Retraining is idempotent in effect: it reads every label afresh, and a run that finds no
better model activates nothing. Two runs at once would each write their own folder and the
later activation wins, which is harmless; the task still holds a cache lock so that a
redelivered task does not train twice side by side.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.core.cache import cache

logger = logging.getLogger(__name__)

#: the lock's lifetime: longer than a retraining run, shorter than a day
_LOCK_SECONDS = 2 * 3600
_LOCK_KEY = "moderation:retrain:running"


@shared_task(ignore_result=True)
def retrain_guard_task(seed: int = 0) -> dict[str, Any]:
    """Fold members' feedback into the guard's model (:func:`pitchless.moderation.retrain.retrain`).

    Returns the run's summary, or ``{"refused": reason}`` when retraining refused (too few
    labels, one class only, or a worse model), or ``{"skipped": ...}`` when a run is underway.
    """
    from pitchless.moderation.retrain import RetrainRefused, retrain

    try:
        locked = cache.add(_LOCK_KEY, 1, timeout=_LOCK_SECONDS)
    except Exception:  # no shared cache: run anyway, retraining is safe to repeat
        logger.warning("could not take the retraining lock; retraining anyway")
        locked = None
    if locked is False:
        return {"skipped": "a retraining run is already underway"}
    try:
        result = retrain(seed=seed, progress=logger.info)
    except RetrainRefused as exc:
        logger.info("retraining refused: %s", exc)
        return {"refused": str(exc)}
    finally:
        if locked:
            cache.delete(_LOCK_KEY)
    summary: dict[str, Any] = result.summary()
    return summary
