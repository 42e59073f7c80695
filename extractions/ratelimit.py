"""Rate limits: per-minute counters in the shared Django cache (Redis in production).

Two limits (DESIGN.md): ``PP_RATE_LIMIT_REQUESTS_PER_MINUTE`` requests per API key (or
signed-in user) over the whole API, applied to every DRF view through
``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``, and ``PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE``
submissions on the submission endpoints. Counting is a fixed one-minute window with an atomic
``incr`` (Redis INCR), so several web processes share one count. ``PP_RATE_LIMIT_ENABLED``
turns both off (the default under pytest; tests of the limits switch it on).

Over the limit: 429 ``RATE_LIMITED`` with ``Retry-After`` (seconds until the window resets).
If the cache itself is unreachable the request is allowed: an outage of the counters must not
take the API down with it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from accounts.tenancy import TenantContext
from config.errors import APIError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the current window ends


def hit(*, scope: str, ident: str, limit: int, window: int = WINDOW_SECONDS) -> Verdict:
    """Count one request of ``ident`` in ``scope`` and say whether it is within ``limit``."""
    now = time.time()
    bucket = int(now // window)
    retry_after = max(1, math.ceil((bucket + 1) * window - now))
    key = f"pp:rl:{scope}:{ident}:{bucket}"
    try:
        cache.add(key, 0, timeout=window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            cache.add(key, 1, timeout=window + 5)
            count = 1
    except Exception:  # the cache is down: fail open
        logger.warning("Rate-limit counter unavailable; allowing the request", exc_info=True)
        return Verdict(True, 0, limit, retry_after)
    return Verdict(count <= limit, count, limit, retry_after)


def client_ident(request: Any) -> str:
    """Who the limits count: the API key, else the signed-in user, else the client address."""
    context = getattr(request, "auth", None)
    if isinstance(context, TenantContext):
        if context.api_key is not None:
            return f"key:{context.api_key.public_id}"
        if context.user is not None:
            return f"user:{context.user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def _rate_limited(message: str, verdict: Verdict) -> APIError:
    return APIError(
        "RATE_LIMITED",
        message,
        status_code=429,
        details={"limit": verdict.limit, "window_seconds": WINDOW_SECONDS},
        headers={"Retry-After": str(verdict.retry_after)},
    )


class APIRequestThrottle(BaseThrottle):
    """The API-wide limit, per key or user."""

    def allow_request(self, request: Any, view: Any) -> bool:
        if not settings.PP_RATE_LIMIT_ENABLED:
            return True
        limit = settings.PP_RATE_LIMIT_REQUESTS_PER_MINUTE
        verdict = hit(scope="api", ident=client_ident(request), limit=limit)
        if not verdict.allowed:
            raise _rate_limited(f"More than {limit} API requests per minute.", verdict)
        return True


class SubmissionThrottle(BaseThrottle):
    """The tighter limit of the submission endpoints (POST only)."""

    def allow_request(self, request: Any, view: Any) -> bool:
        if not settings.PP_RATE_LIMIT_ENABLED or request.method != "POST":
            return True
        limit = settings.PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE
        verdict = hit(scope="submit", ident=client_ident(request), limit=limit)
        if not verdict.allowed:
            raise _rate_limited(f"More than {limit} extraction submissions per minute.", verdict)
        return True
