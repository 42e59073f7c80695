"""Rate limits: per-minute counters in the shared Django cache (Redis in production).

Two limits (DESIGN.md): ``PP_RATE_LIMIT_REQUESTS_PER_MINUTE`` requests per API key (or
signed-in user) over the whole API, applied to every DRF view through
``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``, and ``PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE``
submissions on the submission endpoints. ``PP_RATE_LIMIT_ENABLED`` turns both off (the default
under pytest; tests of the limits switch it on).

Counting is a sliding window: one counter per calendar minute, incremented atomically (Redis
INCR, so several web processes share one count), and the rate over the last 60 s estimated as
this minute's count plus the previous minute's count weighted by how much of it still lies in
the last 60 s. Fixed windows would let a client send twice the limit across a minute boundary.
A refused request does not use up the allowance.

The submission limit counts accepted submissions only: a submission takes its slot when it
arrives (so a burst cannot overshoot the limit) and gives it back if it is answered with an
error (400, 402, 404, ...) or is the replay of an earlier one (same Idempotency-Key).

Over the limit: 429 ``RATE_LIMITED`` with ``Retry-After``: the seconds until the estimate
lets one more request through.
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
    count: float  # requests in the last window, estimated (this one included when allowed)
    limit: int
    retry_after: int  # seconds until one more request would be allowed; 0 when allowed
    key: str = ""  # the counter this request was counted in (to give the slot back)


def hit(*, scope: str, ident: str, limit: int, window: int = WINDOW_SECONDS) -> Verdict:
    """Count one request of ``ident`` in ``scope`` and say whether it is within ``limit``."""
    now = time.time()
    bucket = int(now // window)
    elapsed = now - bucket * window
    key = f"pp:rl:{scope}:{ident}:{bucket}"
    # A counter must outlive its own window and the next one, where it is the previous window.
    timeout = 2 * window + 5
    try:
        cache.add(key, 0, timeout=timeout)
        try:
            current = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            cache.add(key, 1, timeout=timeout)
            current = 1
        previous = cache.get(f"pp:rl:{scope}:{ident}:{bucket - 1}") or 0
    except Exception:  # the cache is down: fail open
        logger.warning("Rate-limit counter unavailable; allowing the request", exc_info=True)
        return Verdict(True, 0, limit, 0)
    estimate = previous * (window - elapsed) / window + current
    if estimate <= limit + 1e-9:
        return Verdict(True, estimate, limit, 0, key)
    try:
        cache.decr(key)  # a refused request does not count against the client
        current -= 1
    except Exception:
        logger.warning("Rate-limit counter unavailable after a refusal", exc_info=True)
    retry_after = seconds_until_allowed(
        previous=previous, current=current, limit=limit, elapsed=elapsed, window=window
    )
    return Verdict(False, estimate, limit, retry_after)


def give_back(key: str) -> None:
    """Uncount one request counted in ``key`` (see ``Verdict.key``)."""
    try:
        cache.decr(key)
    except ValueError:  # the counter expired meanwhile: nothing left to give back
        pass
    except Exception:
        logger.warning("Rate-limit counter unavailable; could not give a slot back", exc_info=True)


def seconds_until_allowed(
    *, previous: int, current: int, limit: int, elapsed: float, window: int
) -> int:
    """When the sliding estimate next leaves room for one request, if none arrive meanwhile."""
    if current + 1 <= limit and previous > 0:
        # Later in this window, once enough of the previous window has slid out.
        fraction = 1 - (limit - current - 1) / previous
        wait = fraction * window - elapsed
    else:
        # In the next window, once enough of this one has slid out.
        fraction = max(0.0, 1 - (limit - 1) / current) if current > 0 else 0.0
        wait = (window - elapsed) + fraction * window
    return max(1, math.ceil(wait - 1e-9))


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
    """The tighter limit of the submission endpoints (POST only), counting accepted
    submissions: views using it mix in ``CountsAcceptedSubmissions``."""

    def allow_request(self, request: Any, view: Any) -> bool:
        if not settings.PP_RATE_LIMIT_ENABLED or request.method != "POST":
            return True
        limit = settings.PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE
        verdict = hit(scope="submit", ident=client_ident(request), limit=limit)
        if not verdict.allowed:
            raise _rate_limited(f"More than {limit} extraction submissions per minute.", verdict)
        request.submission_slot = verdict.key
        return True


class CountsAcceptedSubmissions:
    """For views throttled by ``SubmissionThrottle``: a submission answered with an error, or
    replayed from its Idempotency-Key, gives its slot back."""

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        slot = getattr(request, "submission_slot", None)
        if slot:
            request.submission_slot = None
            if response.status_code >= 400 or response.get("Idempotent-Replayed") == "true":
                give_back(slot)
        return response
