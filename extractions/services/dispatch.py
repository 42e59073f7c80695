"""Fair dispatch: which queued documents get a Celery task, and claiming one to run.

An organization has ``max_concurrent_documents`` slots. A document holds a slot from the
moment it is handed to the broker (``enqueued_at`` set, still ``queued``) until it finishes.
``dispatch_org`` fills the free slots with the oldest waiting documents (``queued`` and
``enqueued_at`` null) under a lock on the organization row, and publishes their tasks after
commit. It runs after a submission, after every finished document and from the sweeper, so a
10,000-document batch costs the broker 8 messages at a time and never delays another
organization: their documents sit in the same broker queue, interleaved, not behind it.

If publishing fails (broker down), the documents go back to waiting and the sweeper
dispatches them again: nothing is lost between the database commit and the broker.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organization
from extractions.models import Document, DocumentStatus, Extraction, ExtractionStatus

logger = logging.getLogger(__name__)


def _slot_holders(organization_id: int) -> Q:
    return Q(organization_id=organization_id) & (
        Q(status=DocumentStatus.PROCESSING)
        | Q(status=DocumentStatus.QUEUED, enqueued_at__isnull=False)
    )


def dispatch_org(*, organization_id: int) -> list[int]:
    """Hand the organization's next waiting documents to the broker, up to its free slots.
    Returns their ids (published after the surrounding transaction commits)."""
    # savepoint=False: inside a caller's transaction (submission, a finishing document) this
    # costs no extra round trips; alone it is its own transaction.
    with transaction.atomic(savepoint=False):
        org = (
            Organization.objects.select_for_update()
            .only("id", "max_concurrent_documents")
            .get(pk=organization_id)
        )
        busy = Document.objects.filter(_slot_holders(org.pk)).count()
        free = org.max_concurrent_documents - busy
        if free <= 0:
            return []
        ids = list(
            Document.objects.filter(
                organization_id=org.pk, status=DocumentStatus.QUEUED, enqueued_at__isnull=True
            )
            .order_by("id")
            .values_list("id", flat=True)[:free]
        )
        if ids:
            Document.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
            transaction.on_commit(lambda: publish(ids))
    return ids


def publish(document_ids: list[int]) -> None:
    """Send one task per document; on a broker error put the rest back to waiting."""
    from extractions.tasks import process_document

    for position, document_id in enumerate(document_ids):
        try:
            # The queue is read at call time so that tests can point it at their own worker.
            process_document.apply_async(
                args=[document_id], queue=settings.CELERY_TASK_DEFAULT_QUEUE
            )
        except Exception:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise
            logger.exception("Could not publish document tasks; the sweeper will retry them")
            Document.objects.filter(
                pk__in=document_ids[position:], status=DocumentStatus.QUEUED
            ).update(enqueued_at=None)
            return


# --------------------------------------------------------------------------- claiming


@dataclass(frozen=True, slots=True)
class Claim:
    outcome: str  # "claimed", "no_slot", "gone" (not ours to run)
    token: str = ""


def worker_token(*, hostname: str, task_id: str) -> str:
    """Who runs a document: host, process and the task message."""
    return f"{hostname}/{os.getpid()}/{task_id}"[:200]


def claim_document(*, document_id: int, hostname: str, task_id: str) -> Claim:
    """Take the document from ``queued`` to ``processing`` with a conditional UPDATE.

    Also reclaims a document left ``processing`` by a run that is known to be dead: the same
    task message redelivered after its worker was killed (acks_late + reject_on_worker_lost:
    the message is only redelivered once that run is gone), or a heartbeat older than the
    visibility timeout. A second delivery of a finished document is a no-op.
    """
    token = worker_token(hostname=hostname, task_id=task_id)
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.PP_DOCUMENT_VISIBILITY_TIMEOUT)
    row = (
        Document.objects.filter(pk=document_id)
        .values("organization_id", "extraction_id", "status", "worker", "heartbeat_at")
        .first()
    )
    if row is None:
        return Claim("gone")
    claimable = Q(status=DocumentStatus.QUEUED)
    if row["status"] == DocumentStatus.PROCESSING:
        redelivered = task_id and row["worker"].endswith(f"/{task_id}")
        stale = row["heartbeat_at"] is None or row["heartbeat_at"] < stale_before
        if not (redelivered or stale):
            return Claim("gone")
        claimable = Q(status=DocumentStatus.PROCESSING, worker=row["worker"])
    elif row["status"] != DocumentStatus.QUEUED:
        return Claim("gone")

    with transaction.atomic():
        org = (
            Organization.objects.select_for_update()
            .only("id", "max_concurrent_documents")
            .get(pk=row["organization_id"])
        )
        running = (
            Document.objects.filter(
                organization_id=org.pk,
                status=DocumentStatus.PROCESSING,
                heartbeat_at__gte=stale_before,
            )
            .exclude(pk=document_id)
            .count()
        )
        if running >= org.max_concurrent_documents:
            # Back to waiting: the next document of this organization to finish dispatches it.
            Document.objects.filter(pk=document_id, status=DocumentStatus.QUEUED).update(
                enqueued_at=None
            )
            return Claim("no_slot")
        claimed = Document.objects.filter(Q(pk=document_id) & claimable).update(
            status=DocumentStatus.PROCESSING,
            attempts=F("attempts") + 1,
            worker=token,
            heartbeat_at=now,
            started_at=now,
            step="intake",
            updated_at=now,
        )
        if not claimed:
            return Claim("gone")
        Extraction.objects.filter(pk=row["extraction_id"], status=ExtractionStatus.QUEUED).update(
            status=ExtractionStatus.PROCESSING, updated_at=now
        )
    return Claim("claimed", token)


def release_claim(*, document_id: int, token: str) -> None:
    """Give a claimed document back to the queue (before a retry of a transient error)."""
    Document.objects.filter(pk=document_id, status=DocumentStatus.PROCESSING, worker=token).update(
        status=DocumentStatus.QUEUED, worker="", step="", updated_at=timezone.now()
    )
