"""Request guards that apply to every endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from config.errors import error_body


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
            if request.path.startswith("/v1/"):
                return JsonResponse(error_body("INVALID_PAYLOAD", message), status=400)
            return HttpResponse(message, status=400, content_type="text/plain")
        return self.get_response(request)
