"""Webhook endpoints and deliveries: the state changes (API views and admin call these)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from config.errors import APIError
from extractions.models import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint
from extractions.webhooks import signing, ssrf

MAX_ENDPOINTS_PER_ORGANIZATION = 20
MAX_CUSTOM_HEADERS = 20
MAX_HEADER_VALUE_LENGTH = 1000
MAX_URL_LENGTH = 2000

# RFC 9110 token characters.
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$")
# Framing and hop-by-hop headers the HTTP client owns, and ours (a customer header must never
# pass for our signature or event metadata).
_FORBIDDEN_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-authorization",
        "proxy-authenticate",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "forwarded",
        "cookie",
        "user-agent",
    }
)
_FORBIDDEN_HEADER_PREFIXES = ("perfectparser-", "x-forwarded-", "proxy-", "sec-")


@dataclass(frozen=True, slots=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once, at creation (and at each rotation)


def _invalid(field: str, message: str, code: str = "INVALID_PAYLOAD") -> APIError:
    return APIError(code, f"{field}: {message}", details={"fields": {field: [message]}})


def validate_webhook_url(url: str, *, field: str = "url") -> str:
    """A webhook URL we are willing to call: an endpoint's ``url`` (created or changed) and
    an extraction's ``webhook_url`` (``field`` names it in the error).

    400 INVALID_WEBHOOK_URL for a malformed URL, a non-http(s) scheme, credentials in the URL,
    a host that does not resolve or one that resolves to a non-public address (unless
    ``PP_WEBHOOK_ALLOW_PRIVATE_TARGETS``). Delivery checks the same again before every send
    (``ssrf.check_url``): DNS may have changed since.
    """
    url = (url or "").strip()
    if not url:
        raise _invalid(field, "A webhook URL is required.", "INVALID_WEBHOOK_URL")
    if len(url) > MAX_URL_LENGTH:
        raise _invalid(field, f"At most {MAX_URL_LENGTH} characters.", "INVALID_WEBHOOK_URL")
    try:
        ssrf.check_url(url)
    except ssrf.UnsafeWebhookTarget as exc:
        raise _invalid(field, str(exc), "INVALID_WEBHOOK_URL") from None
    return url


def validate_events(events: Iterable[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(events or []))
    unknown = [e for e in chosen if e not in WEBHOOK_EVENTS]
    if unknown:
        raise _invalid(
            "events", f"Unknown event {unknown[0]!r}; one of {', '.join(WEBHOOK_EVENTS)}."
        )
    return chosen


def validate_headers(headers: Mapping[str, Any] | None) -> dict[str, str]:
    headers = dict(headers or {})
    if len(headers) > MAX_CUSTOM_HEADERS:
        raise _invalid("headers", f"At most {MAX_CUSTOM_HEADERS} custom headers.")
    clean: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise _invalid("headers", f"{name!r} is not a valid header name.")
        lower = name.lower()
        if lower in _FORBIDDEN_HEADERS or lower.startswith(_FORBIDDEN_HEADER_PREFIXES):
            raise _invalid("headers", f"The {name} header cannot be set on webhooks.")
        if lower in seen:
            raise _invalid("headers", f"The {name} header is given twice.")
        seen.add(lower)
        if not isinstance(value, str):
            raise _invalid("headers", f"The value of {name} must be a string.")
        if len(value) > MAX_HEADER_VALUE_LENGTH or any(c in value for c in "\r\n\x00"):
            raise _invalid(
                "headers",
                f"The value of {name} must be one line of at most "
                f"{MAX_HEADER_VALUE_LENGTH} characters.",
            )
        clean[name] = value
    return clean


def create_endpoint(
    *,
    organization: Organization,
    url: str,
    description: str = "",
    events: Iterable[str] | None = None,
    headers: Mapping[str, Any] | None = None,
) -> NewEndpoint:
    url = validate_webhook_url(url)
    events_list = validate_events(events)
    clean_headers = validate_headers(headers)
    with transaction.atomic():
        # Lock the organization row so concurrent creations cannot pass the limit together.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if WebhookEndpoint.objects.for_org(organization).count() >= MAX_ENDPOINTS_PER_ORGANIZATION:
            raise APIError(
                "WEBHOOK_LIMIT_REACHED",
                f"An organization can have at most {MAX_ENDPOINTS_PER_ORGANIZATION} webhook "
                "endpoints; delete one first.",
                status_code=409,
            )
        secret = signing.new_secret()
        endpoint = WebhookEndpoint.objects.create(
            organization=organization,
            url=url,
            description=description.strip(),
            events=events_list,
            headers=clean_headers,
            secret=secret,
        )
    return NewEndpoint(endpoint=endpoint, secret=secret)


_UNSET: Any = object()


def update_endpoint(
    *,
    endpoint: WebhookEndpoint,
    url: str = _UNSET,
    description: str = _UNSET,
    events: Iterable[str] | None = _UNSET,
    headers: Mapping[str, Any] | None = _UNSET,
    active: bool = _UNSET,
) -> WebhookEndpoint:
    changed: list[str] = []
    if url is not _UNSET:
        endpoint.url = validate_webhook_url(url)
        changed.append("url")
    if description is not _UNSET:
        endpoint.description = (description or "").strip()
        changed.append("description")
    if events is not _UNSET:
        endpoint.events = validate_events(events)
        changed.append("events")
    if headers is not _UNSET:
        endpoint.headers = validate_headers(headers)
        changed.append("headers")
    if active is not _UNSET:
        endpoint.active = bool(active)
        changed.append("active")
    if changed:
        with transaction.atomic():
            endpoint.save(update_fields=[*changed, "updated_at"])
    return endpoint


def rotate_secret(*, endpoint: WebhookEndpoint) -> NewEndpoint:
    """A new signing secret, effective for every attempt sent from now on."""
    secret = signing.new_secret()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            secret=secret, updated_at=timezone.now()
        )
    endpoint.refresh_from_db()
    return NewEndpoint(endpoint=endpoint, secret=secret)


def delete_endpoint(*, endpoint: WebhookEndpoint) -> None:
    """The endpoint and its delivery log; deliveries still waiting are not sent."""
    with transaction.atomic():
        endpoint.delete()


def resend_delivery(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now (same event id and body, fresh signature), whatever its state.

    One extra attempt: if it fails after the retry window, the delivery is failed again.
    """
    from extractions.webhooks.dispatch import enqueue_delivery

    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now()
        )
        transaction.on_commit(lambda: enqueue_delivery(delivery.pk, delivery.public_id))
    delivery.refresh_from_db()
    return delivery
