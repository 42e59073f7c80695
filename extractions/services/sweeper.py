"""The periodic safety net (Celery beat, every PP_SWEEP_INTERVAL_SECONDS).

- A document ``processing`` whose heartbeat is older than the visibility timeout lost its
  worker (killed with the whole worker process, machine gone): back to ``queued``, or failed
  and refunded once it has used up its attempts.
- A document handed to the broker (``enqueued_at``) longer ago than the visibility timeout
  but never claimed lost its message: back to waiting.
- Every organization with waiting documents is dispatched (covers a broker that was down at
  submission: the documents were committed, their publish failed, they wait here).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from extractions.engine.types import INTERNAL_ERROR
from extractions.models import Document, DocumentStatus
from extractions.services.dispatch import dispatch_org
from extractions.services.lifecycle import fail_document

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000


def sweep_documents(*, stale_after: timedelta | None = None) -> dict[str, int]:
    """One pass; returns how many documents each rule touched."""
    now = timezone.now()
    stale_after = stale_after or timedelta(seconds=settings.PP_DOCUMENT_VISIBILITY_TIMEOUT)
    cutoff = now - stale_after
    requeued = failed = 0
    stuck = list(
        Document.objects.filter(status=DocumentStatus.PROCESSING, heartbeat_at__lt=cutoff)
        .select_related("organization")
        .order_by("heartbeat_at")[:SWEEP_BATCH]
    )
    for document in stuck:
        if document.attempts >= settings.PP_DOCUMENT_MAX_ATTEMPTS:
            if fail_document(
                document=document,
                token=document.worker,
                code=INTERNAL_ERROR,
                message=f"The worker was lost {document.attempts} times; giving up.",
            ):
                failed += 1
            continue
        requeued += Document.objects.filter(
            pk=document.pk, status=DocumentStatus.PROCESSING, worker=document.worker
        ).update(
            status=DocumentStatus.QUEUED,
            worker="",
            step="",
            enqueued_at=None,
            updated_at=now,
        )
    lost = Document.objects.filter(status=DocumentStatus.QUEUED, enqueued_at__lt=cutoff).update(
        enqueued_at=None
    )
    dispatched = 0
    org_ids = (
        Document.objects.filter(status=DocumentStatus.QUEUED, enqueued_at__isnull=True)
        .values_list("organization_id", flat=True)
        .distinct()
        .order_by()
    )
    for organization_id in list(org_ids):
        dispatched += len(dispatch_org(organization_id=organization_id))
    counts = {"requeued": requeued, "failed": failed, "lost": lost, "dispatched": dispatched}
    if requeued or failed or lost:
        logger.warning("Sweeper: %s", counts)
    return counts
