"""gunicorn settings for ``pitchless serve`` (``--config python:pitchless.config.gunicorn``).

The application is loaded once in the master (``preload_app``) and the guard's model with
it, so the workers it forks share those pages copy-on-write instead of each loading its own
copy. Nothing may stay open in the master across a fork: a database connection or a socket
inherited by two workers would interleave their traffic. The master therefore closes every
database connection and cache client after warming up and again before each fork, and the
workers open their own on first use.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

logger = logging.getLogger("pitchless.serve")

preload_app = True


def warm_up() -> None:
    """Import every view (the URLconf) and load the guard's model, then close what that
    opened; runs in the master before the first fork."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - importing the views and API routers is the point
    try:
        from pitchless.core.guard import get_guard
        from pitchless.network.guard_adapter import follow_active_model

        # The model the workers would use: a retrained one when ``guard retrain`` made it
        # active, so that they do not each load their own at their first send.
        follow_active_model(force=True)
        get_guard()
    except Exception:
        # A guard that cannot load is each worker's problem at request time, as without
        # preloading: messages are then delivered unchecked.
        logger.exception("the guard's model could not be loaded in the master")
    close_shared()
    # What is loaded now lives as long as the process: moved out of the collector's reach,
    # the workers' collections do not write to (and so copy) the pages they share with it.
    gc.collect()
    gc.freeze()


def close_shared() -> None:
    """Close every database connection and cache client this process holds."""
    from django.core.cache import caches
    from django.db import connections

    connections.close_all()
    for cache in caches.all(initialized_only=True):
        cache.close()


def when_ready(server: Any) -> None:
    """gunicorn hook: the master is listening and the app is loaded; workers come next."""
    warm_up()


def pre_fork(server: Any, worker: Any) -> None:
    """gunicorn hook, in the master before each fork (workers are also re-forked later, after
    ``--max-requests``): hand the worker nothing open."""
    close_shared()
