"""Entry points the extraction lifecycle calls when something worth a webhook happens.

Call them from ``transaction.on_commit`` so an event is only raised for committed state.
They create one ``WebhookDelivery`` per (event, URL): the organization's active endpoints
whose filter lets the event through, plus the extraction's own ``webhook_url``. The unique
(event_id, url) constraint makes a repeated or concurrent emission of the same event a no-op.
Sending happens later, in a Celery task, outside any transaction. These functions never
raise: a webhook problem must not break the extraction lifecycle that called them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from extractions.models import Document, Extraction, WebhookDelivery, WebhookEndpoint
from extractions.webhooks import events

logger = logging.getLogger(__name__)


def emit_document_event(*, document_id: int, event: str) -> None:
    """``event`` is one of the document events ("document.completed", ".failed",
    ".needs_review", ".reviewed")."""
    try:
        if event not in events.DOCUMENT_EVENTS:
            raise ValueError(f"Not a document event: {event!r}")
        document = (
            Document.objects.select_related(
                "extraction__parser",
                "parser_version__parser",
                "organization",
                "duplicate_of__extraction",
            )
            .filter(pk=document_id)
            .first()
        )
        if document is None:
            return
        payload = events.build_document_event(document, event)
        create_deliveries(extraction=document.extraction, event=event, payload=payload)
    except Exception:
        logger.exception("Could not raise webhook event %s for document %s", event, document_id)


def emit_extraction_event(*, extraction_id: int, event: str) -> None:
    """``event`` is "extraction.completed" / ".partially_failed" / ".failed" / ".cancelled"."""
    try:
        if event not in events.EXTRACTION_EVENTS:
            raise ValueError(f"Not an extraction event: {event!r}")
        extraction = (
            Extraction.objects.select_related("parser", "classifier", "organization")
            .filter(pk=extraction_id)
            .first()
        )
        if extraction is None:
            return
        payload = events.build_extraction_event(extraction, event)
        create_deliveries(extraction=extraction, event=event, payload=payload)
    except Exception:
        logger.exception("Could not raise webhook event %s for extraction %s", event, extraction_id)


def targets_for(*, extraction: Extraction, event: str) -> list[tuple[WebhookEndpoint | None, str]]:
    """(endpoint, url) pairs the event goes to; an extraction's ``webhook_url`` that is also a
    registered endpoint's URL is that endpoint's (signed with its secret, its headers)."""
    endpoints = list(
        WebhookEndpoint.objects.for_org(extraction.organization_id)
        .filter(active=True)
        .order_by("created_at", "id")
    )
    targets: dict[str, WebhookEndpoint | None] = {}
    for endpoint in endpoints:
        if not endpoint.events or event in endpoint.events:
            targets.setdefault(endpoint.url, endpoint)
    if extraction.webhook_url and extraction.webhook_url not in targets:
        registered = next((e for e in endpoints if e.url == extraction.webhook_url), None)
        targets[extraction.webhook_url] = registered
    return [(endpoint, url) for url, endpoint in targets.items()]


def create_deliveries(
    *, extraction: Extraction, event: str, payload: dict[str, Any]
) -> list[WebhookDelivery]:
    """Record the event's deliveries (new ones only) and queue them for sending."""
    created: list[WebhookDelivery] = []
    occurred_at = parse_datetime(payload["created_at"])
    for endpoint, url in targets_for(extraction=extraction, event=event):
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    organization_id=extraction.organization_id,
                    endpoint=endpoint,
                    extraction=extraction,
                    url=url,
                    event=event,
                    event_id=payload["id"],
                    payload=payload,
                    next_attempt_at=occurred_at,
                )
        except IntegrityError:
            continue  # this event already has its delivery to this URL
        created.append(delivery)
    for delivery in created:
        transaction.on_commit(lambda d=delivery: enqueue_delivery(d.pk, d.public_id))
    return created


def enqueue_delivery(delivery_id: int, public_id: str) -> None:
    """Queue one send; if the broker is unavailable the periodic sweep picks it up instead."""
    from extractions.webhooks.tasks import deliver_webhook

    try:
        deliver_webhook.delay(delivery_id)
    except Exception:
        logger.warning("Could not queue webhook delivery %s; the sweep will", delivery_id)
        return
    mark_queued(public_id, attempt_count=0)


def mark_queued(public_id: str, *, attempt_count: int) -> bool:
    """Remember (for a few sweeps) that this attempt is queued; False if it already was."""
    ttl = max(60, settings.PP_WEBHOOK_SWEEP_INTERVAL_SECONDS * 4)
    try:
        return bool(cache.add(f"pp:whd:queued:{public_id}:{attempt_count}", 1, timeout=ttl))
    except Exception:  # no cache: queue again rather than never
        return True
