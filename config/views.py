"""Error pages: JSON envelopes under /v1/, HTML pages for the dashboard."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.errors import (
    DATABASE_RETRY_AFTER_SECONDS,
    DATABASE_UNAVAILABLE_ERRORS,
    DATABASE_UNAVAILABLE_MESSAGE,
    json_not_found,
    json_server_error,
    json_service_unavailable,
)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/v1/"):
        return json_not_found(request, exception)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500, for what the API's exception handler did not answer (the
    dashboard, the admin, middleware). Called while the exception is being handled: a
    database outage is a 503 with Retry-After, not a 500."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE_ERRORS):
        if request.path.startswith("/v1/"):
            return json_service_unavailable(request)
        # Rendered without a context processor that could query the database.
        response = render(
            None, "errors/503.html", {"message": DATABASE_UNAVAILABLE_MESSAGE}, status=503
        )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    if request.path.startswith("/v1/"):
        return json_server_error(request)
    return render(request, "errors/500.html", status=500)
