"""The site's answer to an unhandled error: 503 while the database is unreachable, else 500.

Django calls ``server_error`` (``handler500``) from inside its exception handler, for an error
raised anywhere in a request: in a view, in the API, or in middleware reading the session. A
lost database connection (a restart, a failover) is not a bug in the request but a moment
to retry, so it answers 503 with ``Retry-After``; Django's connection health checks
(``CONN_HEALTH_CHECKS``) reconnect on the next request without a restart. The page is a
fixed string: rendering a template could itself need the database.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

#: seconds a client is asked to wait before trying again
RETRY_AFTER_SECONDS = 5

_UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Back in a moment · Pitchless</title></head>
<body><main><h1>Back in a moment</h1>
<p>Pitchless cannot reach its database just now. Nothing you sent was lost: try again in a few
seconds.</p></main></body></html>
"""

_ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Something went wrong · Pitchless</title></head>
<body><main><h1>Something went wrong</h1>
<p>The error has been logged. Please try again.</p></main></body></html>
"""


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def server_error(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After`` when the database is unreachable; a plain 500 otherwise."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s: %s", type(exc).__name__, exc)
        response: HttpResponse
        if _is_api(request):
            response = JsonResponse(
                {"detail": "The service cannot reach its database; try again shortly."},
                status=503,
            )
        else:
            response = HttpResponse(_UNAVAILABLE_PAGE, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    if _is_api(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return HttpResponse(_ERROR_PAGE, status=500)
