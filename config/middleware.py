"""Request guards that apply to every endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from config import json_input
from config.errors import error_body


def _refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/v1/"):
        return JsonResponse(error_body(code, message), status=status)
    return HttpResponse(message, status=status, content_type="text/plain")


class RejectNulInQueryMiddleware:
    """A NUL character in a query parameter answers 400 before any view runs.

    PostgreSQL text columns cannot hold NUL, so such a value used as a filter would otherwise
    surface as a database error (a 500) in whichever view forgot to check it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            message = "Query parameters cannot contain NUL characters."
            return _refuse(request, 400, "INVALID_PAYLOAD", message)
        return self.get_response(request)


class JSONBodyGuardMiddleware:
    """A JSON request body is refused before any view parses it when it is too big (413
    ``PAYLOAD_TOO_LARGE``, decided on Content-Length before a byte is read) or nested too
    deep (400 ``INVALID_PAYLOAD``): every endpoint, authenticated or not, whatever parser it
    uses. A 20 MB body was a 500 (RequestDataTooBig), 5,000 nested arrays a RecursionError."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD", "OPTIONS") or not _is_json(request.content_type):
            return self.get_response(request)
        limit = settings.PP_MAX_JSON_BODY_BYTES
        too_big = (
            f"The JSON body is larger than {limit} bytes; send less per request "
            "(large batches of files go through POST /v1/files)."
        )
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return _refuse(request, 413, "PAYLOAD_TOO_LARGE", too_big)
        try:
            body = request.body  # a body without Content-Length: read up to Django's cap
        except RequestDataTooBig:
            return _refuse(request, 413, "PAYLOAD_TOO_LARGE", too_big)
        if len(body) > limit:
            return _refuse(request, 413, "PAYLOAD_TOO_LARGE", too_big)
        if json_input.nesting_exceeds(body):
            message = (
                f"The JSON body nests arrays/objects deeper than {json_input.MAX_JSON_DEPTH} "
                "levels."
            )
            return _refuse(request, 400, "INVALID_PAYLOAD", message)
        return self.get_response(request)


def _is_json(content_type: str) -> bool:
    content_type = (content_type or "").lower()
    return content_type == "application/json" or content_type.endswith("+json")
