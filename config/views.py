"""Error pages: JSON envelopes under /v1/, HTML pages for the dashboard."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.errors import json_not_found, json_server_error


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/v1/"):
        return json_not_found(request, exception)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/v1/"):
        return json_server_error(request)
    return render(request, "errors/500.html", status=500)
