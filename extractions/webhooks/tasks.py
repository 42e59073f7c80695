"""Celery tasks of webhooks: send one delivery; a periodic sweep of due (re)tries."""

from __future__ import annotations

import logging

from celery import shared_task

from extractions.webhooks import delivery
from extractions.webhooks.dispatch import mark_queued

logger = logging.getLogger(__name__)

SWEEP_LIMIT = 500


@shared_task(ignore_result=True)
def deliver_webhook(delivery_id: int) -> None:
    """One attempt of one delivery (a no-op if it is not due or another worker has it)."""
    delivery.attempt_delivery(delivery_id)


@shared_task(ignore_result=True)
def deliver_due_webhooks(limit: int = SWEEP_LIMIT) -> int:
    """Queue every delivery whose next attempt is due (retries, and first attempts whose
    enqueueing was lost). Returns how many were queued."""
    queued = 0
    for delivery_id, public_id, attempt_count in delivery.due_deliveries(limit=limit):
        # A slow queue must not collect one copy of the same attempt per sweep.
        if not mark_queued(public_id, attempt_count=attempt_count):
            continue
        deliver_webhook.delay(delivery_id)
        queued += 1
    return queued
