"""Delivery signatures: ``PerfectParser-Signature: t=<unix time>,v1=<hex HMAC-SHA256>``.

The HMAC key is the endpoint's signing secret (``whsec_…``, the whole string), the message is
``f"{t}.{body}"`` with the exact bytes of the request body. Receivers recompute it, compare in
constant time and reject old timestamps (replays). docs/webhooks.md has the snippet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.conf import settings

SIGNATURE_HEADER = "PerfectParser-Signature"
SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def compute_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={compute_signature(secret=secret, timestamp=t, body=body)}"


def verify_signature(
    *,
    secret: str,
    body: bytes,
    header: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does (docs/webhooks.md shows the same function, standalone)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = compute_signature(secret=secret, timestamp=timestamp, body=body)
    candidates = [v for k, v in (item.split("=", 1) for item in header.split(",")) if k == "v1"]
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def url_signing_secret(*, organization_public_id: str) -> str:
    """The organization's secret for per-extraction ``webhook_url`` deliveries.

    Derived (not stored) from ``PP_WEBHOOK_SIGNING_KEY``, so it needs no table and is the same
    on every web process and worker; ``GET /v1/webhooks/signing-secret`` shows it to owners and
    admins. Changing ``PP_WEBHOOK_SIGNING_KEY`` rotates it for every organization.
    """
    digest = hmac.new(
        settings.PP_WEBHOOK_SIGNING_KEY.encode(),
        f"perfectparser-webhook-url:{organization_public_id}".encode(),
        hashlib.sha256,
    ).hexdigest()
    return SECRET_PREFIX + digest
