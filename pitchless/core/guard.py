"""The site's one :class:`~pitchless.guard.Guard`, configured from settings and environment.

Loading the model costs a fraction of a second, so each process builds the guard once.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from pitchless.guard import Guard, PolicySettings


@lru_cache(maxsize=1)
def get_guard() -> Guard:
    """The process-wide guard (policy from ``PITCHLESS_GUARD_*``, model from settings)."""
    return Guard(
        policy=PolicySettings.from_env(),
        model_dir=settings.PITCHLESS_GUARD_MODEL_DIR,
    )
