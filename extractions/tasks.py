"""Celery tasks of the extractions app. They take ids and call the services."""

from __future__ import annotations

import logging
import random
import resource
import time
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings

from extractions.services.dispatch import continuation, hand_back, release_claim, worker_token
from extractions.services.runner import TRANSIENT_ERRORS, run_claimed_document, run_document
from extractions.services.sweeper import sweep_documents as _sweep

logger = logging.getLogger(__name__)

# Transient errors (the database restarting) are retried quickly and for long: a document
# must run within seconds of the database coming back, even after a long outage (~7 min).
MAX_RETRIES = 30
RETRY_MAX_COUNTDOWN = 15


@worker_process_init.connect
def limit_task_memory(**_: Any) -> None:
    """Cap each pool process's address space at PP_TASK_MEMORY_LIMIT_MB: a document that
    needs more fails (MemoryError → document_too_large) instead of exhausting the machine,
    and the process lives on to run the next one. Time is capped by the task's limits."""
    limit = settings.PP_TASK_MEMORY_LIMIT_MB * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@shared_task(
    bind=True,
    name="extractions.tasks.process_document",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.PP_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.PP_TASK_TIME_LIMIT,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def process_document(self, document_id: int) -> str:
    """Run one document, then, for up to PP_TASK_CONTINUE_SECONDS, the next documents its
    organization's dispatch hands out (without a message each). Safe to deliver twice: the
    claim is a conditional UPDATE."""
    hostname = self.request.hostname or "local"
    task_id = self.request.id or ""
    started = time.monotonic()
    budget = settings.PP_TASK_CONTINUE_SECONDS
    try:
        with continuation(open=budget > 0, hostname=hostname, task_id=task_id) as kept:
            outcome = run_document(document_id=document_id, hostname=hostname, task_id=task_id)
    except TRANSIENT_ERRORS as exc:
        _release_quietly(document_id, hostname=hostname, task_id=task_id)
        countdown = min(RETRY_MAX_COUNTDOWN, 2**self.request.retries) + random.uniform(0, 1)
        logger.warning("Transient error on document %s, retrying: %s", document_id, exc)
        raise self.retry(exc=exc, countdown=countdown) from exc
    claim = kept.claim
    while claim is not None and claim.document is not None:
        open_ = time.monotonic() - started < budget
        try:
            with continuation(open=open_, hostname=hostname, task_id=task_id) as kept:
                run_claimed_document(claim=claim)
        except TRANSIENT_ERRORS as exc:
            # Its own message takes over, with the retry policy of a first delivery.
            logger.warning("Transient error on document %s, re-sending: %s", claim.document.pk, exc)
            hand_back(claim=claim)
            break
        claim = kept.claim
    return outcome


def _release_quietly(document_id: int, *, hostname: str, task_id: str) -> None:
    """Give a claimed document back before another delivery runs it (if this fails, that
    delivery may reclaim it anyway; the sweeper is the last resort)."""
    try:
        release_claim(
            document_id=document_id, token=worker_token(hostname=hostname, task_id=task_id)
        )
    except Exception:
        logger.warning("Could not release document %s", document_id)


@shared_task(name="extractions.tasks.sweep_documents", ignore_result=True)
def sweep_documents() -> dict[str, int]:
    return _sweep()
