"""Sending one webhook delivery attempt, and scheduling the next one.

An attempt is claimed with a conditional UPDATE (so two workers never send the same attempt),
sent with no database transaction open, then recorded as a ``WebhookAttempt``. Non-2xx
answers, timeouts, connection errors and refused targets are retried with exponential
backoff (``PP_WEBHOOK_RETRY_BASE_SECONDS`` × 2^(n-1), capped at
``PP_WEBHOOK_RETRY_MAX_SECONDS``) until ``PP_WEBHOOK_RETRY_WINDOW_HOURS`` after the event.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from extractions.models import WebhookAttempt, WebhookDelivery
from extractions.webhooks import signing, ssrf

logger = logging.getLogger(__name__)

USER_AGENT = "PerfectParser-Webhooks/1.0"
_RESPONSE_READ_LIMIT = 4096
_OPEN = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING)


@dataclass(frozen=True, slots=True)
class SendResult:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON with sorted keys, so a resend of the
    same delivery carries the same body."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def backoff_seconds(attempt_number: int) -> float:
    """Wait before attempt ``attempt_number + 1`` after attempt ``attempt_number`` failed."""
    base = settings.PP_WEBHOOK_RETRY_BASE_SECONDS
    return min(base * (2 ** max(attempt_number - 1, 0)), settings.PP_WEBHOOK_RETRY_MAX_SECONDS)


def signing_secret(delivery: WebhookDelivery) -> str:
    if delivery.endpoint_id is not None:
        return delivery.endpoint.secret
    return signing.url_signing_secret(organization_public_id=delivery.organization.public_id)


def request_headers(delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    if delivery.endpoint_id is not None:
        headers.update(delivery.endpoint.headers or {})
    # Ours last: custom headers can never override the signature or the framing.
    headers.update(
        {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "PerfectParser-Event": delivery.event,
            "PerfectParser-Event-Id": delivery.event_id,
            "PerfectParser-Delivery": delivery.public_id,
            signing.SIGNATURE_HEADER: signing.signature_header(
                secret=signing_secret(delivery), body=body
            ),
        }
    )
    return headers


def _host_header(target: ssrf.Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def send(*, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    """POST once, to an address checked right now (no redirects, one overall timeout)."""
    started = time.monotonic()

    def result(status_code: int | None, error: str = "") -> SendResult:
        return SendResult(status_code, error[:2000], int((time.monotonic() - started) * 1000))

    try:
        target = ssrf.check_url(url)
    except ssrf.UnsafeWebhookTarget as exc:
        return result(None, f"Refused: {exc}")
    timeout = urllib3.Timeout(total=settings.PP_WEBHOOK_TIMEOUT_SECONDS)
    headers = {**headers, "Host": _host_header(target)}
    last_error = ""
    for address in target.addresses:
        pool_kwargs: dict[str, Any] = {"timeout": timeout, "retries": False, "maxsize": 1}
        if target.scheme == "https":
            pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
                address,
                target.port,
                server_hostname=target.host,
                assert_hostname=target.host,
                cert_reqs="CERT_REQUIRED",
                **pool_kwargs,
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, target.port, **pool_kwargs)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=headers,
                redirect=False,
                retries=False,
                assert_same_host=False,
                preload_content=False,
            )
            try:
                response.read(_RESPONSE_READ_LIMIT)
            except urllib3.exceptions.HTTPError:
                pass  # the status is what counts; a truncated body is the receiver's business
            finally:
                response.release_conn()
            return result(
                response.status, "" if response.status < 300 else f"HTTP {response.status}"
            )
        except urllib3.exceptions.NewConnectionError as exc:
            last_error = f"Connection failed: {exc}"
            continue  # try the host's next address
        except urllib3.exceptions.TimeoutError:
            return result(None, f"Timed out after {settings.PP_WEBHOOK_TIMEOUT_SECONDS:g} s")
        except urllib3.exceptions.HTTPError as exc:
            return result(None, f"{type(exc).__name__}: {exc}")
        finally:
            pool.close()
    return result(None, last_error or "Connection failed")


def claim(delivery_id: int, *, now: datetime | None = None) -> bool:
    """Take the next attempt of a due delivery; a lease (longer than the timeout) keeps other
    workers off it, and lets the sweep retry it if this worker dies mid-send."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.PP_WEBHOOK_TIMEOUT_SECONDS + 60)
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=_OPEN)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + lease, attempt_count=F("attempt_count") + 1)
    )


def attempt_delivery(delivery_id: int) -> SendResult | None:
    """Send the delivery's next attempt if it is due; None when there was nothing to do."""
    if not claim(delivery_id):
        return None
    delivery = (
        WebhookDelivery.objects.select_related("endpoint", "organization")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:  # its endpoint was deleted since the claim
        return None
    if delivery.endpoint_id is not None and not delivery.endpoint.active:
        result = SendResult(None, "Not sent: the endpoint is disabled.", 0)
        _record(delivery, result, final=True)
        return result
    body = body_bytes(delivery.payload)
    result = send(url=delivery.url, body=body, headers=request_headers(delivery, body))
    _record(delivery, result)
    return result


def _record(delivery: WebhookDelivery, result: SendResult, *, final: bool = False) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {"last_status_code": result.status_code, "last_error": result.error}
    if result.ok:
        fields |= {"status": WebhookDelivery.Status.SUCCEEDED, "delivered_at": now}
        fields["next_attempt_at"] = None
    else:
        retry_at = now + timedelta(seconds=backoff_seconds(delivery.attempt_count))
        deadline = delivery.created_at + timedelta(hours=settings.PP_WEBHOOK_RETRY_WINDOW_HOURS)
        if final or retry_at > deadline:
            fields |= {"status": WebhookDelivery.Status.FAILED, "next_attempt_at": None}
        else:
            fields |= {"status": WebhookDelivery.Status.RETRYING, "next_attempt_at": retry_at}
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            error=result.error,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    if not result.ok:
        logger.info(
            "Webhook delivery %s attempt %s failed: %s",
            delivery.public_id,
            delivery.attempt_count,
            result.error,
        )


def due_deliveries(*, limit: int, now: datetime | None = None) -> list[tuple[int, str, int]]:
    """(id, public_id, attempt_count) of deliveries whose next attempt is due, oldest event first."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(status__in=_OPEN, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "created_at", "id")
        .values_list("id", "public_id", "attempt_count")[:limit]
    )
