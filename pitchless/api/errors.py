"""How refusals become HTTP answers, the same way on every endpoint.

- a service's ``NotFound`` and unknown ids: 404 (never 403, so ids reveal nothing);
- an invitation limit: 429 with the limit's code and the date it lifts;
- ``Forbidden`` (not yours to do, e.g. answering your own invitation): 403;
- ``Conflict`` (the object moved on: already answered, already connected): 409;
- any other refusal by a service: 400 with the service's words;
- a request that does not match its schema: 422 with each field's problem (the submitted
  value is never echoed back: it may be a megabyte long);
- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413.

The Exchange's refusals map the same way: ``NotFound`` 404, ``Forbidden`` 403, ``Conflict`` 409
(a near-duplicate listing adds ``duplicate_of``, the id of the listing it repeats),
``LimitReached`` 429 with the code ``exchange_limit`` (a count of things you have, such as active
listings or saved searches: it lifts when you close or delete one, so ``lifts_at`` is ``null``),
and any other ``ExchangeError`` 400.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from pitchless.exchange import services as exchange
from pitchless.network import services

#: the ``code`` of a 429 for an Exchange limit (active listings, saved searches)
EXCHANGE_LIMIT = "exchange_limit"


class TooManyAttempts(Exception):
    """A rate limit stops the request; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _loc(loc: object) -> list[str | int]:
    parts = [p for p in loc if isinstance(p, str | int)] if isinstance(loc, list | tuple) else []
    # ninja prefixes the parameter's source and name ("body", "payload"); keep the field path.
    if len(parts) >= 2 and parts[0] in {"body", "query", "path"}:
        parts = [parts[0], *parts[2:]] if len(parts) > 2 else parts
    return parts


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api``."""

    @api.exception_handler(services.NotFound)
    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)

    @api.exception_handler(services.LimitError)
    def limit(request: HttpRequest, exc: services.LimitError) -> HttpResponse:
        lifts = exc.limit.lifts_at
        return api.create_response(
            request,
            {"detail": str(exc), "code": exc.limit.code, "lifts_at": lifts},
            status=429,
        )

    @api.exception_handler(services.Forbidden)
    def forbidden(request: HttpRequest, exc: services.Forbidden) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=403)

    @api.exception_handler(services.Conflict)
    def conflict(request: HttpRequest, exc: services.Conflict) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=409)

    @api.exception_handler(services.NetworkError)
    def refused(request: HttpRequest, exc: services.NetworkError) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=400)

    @api.exception_handler(exchange.NotFound)
    def exchange_not_found(request: HttpRequest, exc: exchange.NotFound) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)

    @api.exception_handler(exchange.Forbidden)
    def exchange_forbidden(request: HttpRequest, exc: exchange.Forbidden) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=403)

    @api.exception_handler(exchange.DuplicateListing)
    def duplicate(request: HttpRequest, exc: exchange.DuplicateListing) -> HttpResponse:
        body = {"detail": str(exc), "duplicate_of": exc.duplicate_of.pk}
        return api.create_response(request, body, status=409)

    @api.exception_handler(exchange.Conflict)
    def exchange_conflict(request: HttpRequest, exc: exchange.Conflict) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=409)

    @api.exception_handler(exchange.LimitReached)
    def exchange_limit(request: HttpRequest, exc: exchange.LimitReached) -> HttpResponse:
        # Same shape as the invitation limits; it lifts when the member frees a place.
        body = {"detail": str(exc), "code": EXCHANGE_LIMIT, "lifts_at": None}
        return api.create_response(request, body, status=429)

    @api.exception_handler(exchange.ExchangeError)
    def exchange_refused(request: HttpRequest, exc: exchange.ExchangeError) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=400)

    @api.exception_handler(DjangoValidationError)
    def invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": " ".join(exc.messages)}, status=400)

    @api.exception_handler(ValidationError)
    def schema(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {"loc": _loc(e.get("loc", ())), "msg": str(e.get("msg", "Invalid value."))}
            for e in exc.errors
        ]
        first = errors[0] if errors else {"loc": [], "msg": "Invalid request."}
        where = ".".join(str(p) for p in first["loc"][1:]) or "request"
        return api.create_response(
            request, {"detail": f"{where}: {first['msg']}", "errors": errors}, status=422
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(
            request, {"detail": "The request body is too large."}, status=413
        )

    @api.exception_handler(TooManyAttempts)
    def too_many(request: HttpRequest, exc: TooManyAttempts) -> HttpResponse:
        response = api.create_response(request, {"detail": str(exc)}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
