"""``/healthz``: 200 when the database and the broker answer, 503 otherwise; ``checks`` says
which dependency is down and why. The cache (rate-limit counters) is reported too, but does
not make the service unavailable: the limits fail open without it."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT_SECONDS = 2.0


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return f"error: {type(exc).__name__}: {exc}"[:300]
    return "ok"


def _check_cache() -> str:
    from django.core.cache import cache

    try:
        cache.set("healthz", "ok", timeout=10)
        if cache.get("healthz") != "ok":
            return "error: the cache did not return what was just stored"
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}"[:300]
    return "ok"


def _check_broker() -> str:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            if settings.CELERY_BROKER_URL.startswith("redis"):
                conn.default_channel.client.ping()
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}"[:300]
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    started = time.monotonic()
    checks = {"database": _check_database(), "broker": _check_broker(), "cache": _check_cache()}
    healthy = checks["database"] == "ok" and checks["broker"] == "ok"
    down = [name for name, value in checks.items() if value != "ok"]
    body = {
        "status": ("degraded" if down else "ok") if healthy else "unavailable",
        "down": down,
        "checks": checks,
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
    }
    return JsonResponse(body, status=200 if healthy else 503)
