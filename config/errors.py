"""The one API error envelope: ``{"error": {"code", "message", "details"}}``.

Every API error goes through ``api_exception_handler`` except simplejwt's own token errors,
which keep simplejwt's shape (``detail``, ``code``, ``messages``) as DESIGN.md requires.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken

logger = logging.getLogger(__name__)


class APIError(exceptions.APIException):
    """An error with a stable machine-readable code, raised by views and services alike."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "INVALID_PAYLOAD"
    default_detail = "The request is invalid."

    def __init__(
        self,
        code: str | None = None,
        message: str | None = None,
        *,
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = message or str(self.default_detail)
        if status_code is not None:
            self.status_code = status_code
        self.details = details or {}
        self.headers = headers or {}
        super().__init__(detail=self.message, code=self.code)


# The database connection failed (server restarting, unreachable, out of connections) or
# the statement met a transient condition (deadlock, lock timeout): nothing the client did.
DATABASE_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE_MESSAGE = (
    "The service is briefly unavailable: its database cannot be reached. Retry in "
    f"{DATABASE_RETRY_AFTER_SECONDS} seconds (a submission retried with the same "
    "Idempotency-Key is never run or charged twice)."
)


def service_unavailable() -> APIError:
    return APIError(
        "SERVICE_UNAVAILABLE",
        DATABASE_UNAVAILABLE_MESSAGE,
        status_code=503,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


class NotFoundError(APIError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "NOT_FOUND"
    default_detail = "Not found."


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _flatten_validation(detail: Any) -> tuple[str, dict[str, Any]]:
    """A readable first message plus the full field → messages map for ``details``."""
    if isinstance(detail, dict):
        fields = {
            k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
        }
        first_field, first_messages = next(iter(fields.items()), ("", [""]))
        message = (
            first_messages[0]
            if first_field == "non_field_errors"
            else f"{first_field}: {first_messages[0]}"
        )
        return message, {"fields": fields}
    if isinstance(detail, list):
        messages = [str(m) for m in detail]
        return (messages[0] if messages else "Invalid request."), {"errors": messages}
    return str(detail), {}


_STATUS_CODES = {
    400: "INVALID_PAYLOAD",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, InvalidToken):
        # simplejwt's own shape, untouched. (Imported here: rest_framework.views imports the
        # authentication classes, which import this module.)
        from rest_framework.views import exception_handler as drf_exception_handler

        return drf_exception_handler(exc, context)

    if isinstance(exc, Http404):
        exc = NotFoundError()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # Form fields (not files) of a multipart body over DATA_UPLOAD_MAX_MEMORY_SIZE.
        exc = APIError(
            "PAYLOAD_TOO_LARGE", "The request's form fields are too large.", status_code=413
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = APIError("INVALID_PAYLOAD", "The request has too many form fields or files.")
    elif isinstance(exc, DATABASE_UNAVAILABLE_ERRORS):
        logger.warning("Database unavailable: %s: %s", type(exc).__name__, exc)
        exc = service_unavailable()

    if isinstance(exc, APIError):
        response = Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    if isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        code = _STATUS_CODES.get(status_code, "ERROR")
        if isinstance(exc, exceptions.ValidationError):
            message, details = _flatten_validation(exc.detail)
        elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            status_code, code = 401, "UNAUTHORIZED"
            message, details = str(exc.detail), {}
        else:
            message, details = str(exc.detail), {}
        response = Response(error_body(code, message, details), status=status_code)
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        if status_code == 401:
            response["WWW-Authenticate"] = 'ApiKey realm="api"'
        return response

    logger.exception("Unhandled API error", exc_info=exc)
    return Response(
        error_body("INTERNAL_ERROR", "Something went wrong on our side; it has been logged."),
        status=500,
    )


def json_not_found(request: Any, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("NOT_FOUND", "No such endpoint."), status=404)


def json_service_unavailable(request: Any) -> JsonResponse:
    error = service_unavailable()
    response = JsonResponse(error_body(error.code, error.message), status=error.status_code)
    for name, value in error.headers.items():
        response[name] = value
    return response


def json_server_error(request: Any) -> JsonResponse:
    return JsonResponse(
        error_body("INTERNAL_ERROR", "Something went wrong on our side; it has been logged."),
        status=500,
    )
