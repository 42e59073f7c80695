"""The periodic safety net (Celery beat, every PP_SWEEP_INTERVAL_SECONDS, on the housekeeping
queue: never behind documents).

- A document ``processing`` whose heartbeat is older than PP_DOCUMENT_DEAD_AFTER_SECONDS lost
  its worker (killed with its whole process group, machine gone): back to ``queued`` and
  dispatched again at once, or failed and refunded once it has used up its attempts. A live
  run heartbeats every PP_DOCUMENT_HEARTBEAT_SECONDS from its claim to its written outcome,
  so a few missed heartbeats are enough to tell; but only once the database has been up for
  that long (PostgreSQL's start time, and this process's own view of it): right after a
  database outage every heartbeat is old, and live workers need a moment to write the next.
- A document handed to the broker (``enqueued_at``) longer ago than the visibility timeout
  but never claimed lost its message: back to waiting.
- Every organization with waiting documents is dispatched (covers a broker that was down at
  submission: the documents were committed, their publish failed, they wait here).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from extractions.engine.types import INTERNAL_ERROR
from extractions.models import Document, DocumentStatus
from extractions.services.dispatch import dispatch_org
from extractions.services.lifecycle import fail_document

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000


class _DatabaseSight:
    """Since when this process has reached the database without an error (monotonic)."""

    def __init__(self) -> None:
        self.since: float | None = None

    def seen_for(self) -> float:
        now = time.monotonic()
        if self.since is None:
            self.since = now
        return now - self.since

    def lost(self) -> None:
        self.since = None


_sight = _DatabaseSight()


def database_up_for() -> float:
    """Seconds the database has been reachable: since PostgreSQL (re)started, and since this
    process last failed to reach it, whichever is shorter."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXTRACT(EPOCH FROM now() - pg_postmaster_start_time())")
            server = float(cursor.fetchone()[0])
    else:
        Document.objects.exists()
        server = float("inf")
    return min(server, _sight.seen_for())


def sweep_documents(*, stale_after: timedelta | None = None) -> dict[str, int]:
    """One pass; returns how many documents each rule touched. ``stale_after`` (tests):
    the heartbeat age that counts as dead, without waiting for the database to be seen."""
    try:
        return _sweep(stale_after=stale_after)
    except DatabaseError:
        _sight.lost()
        raise


def _sweep(*, stale_after: timedelta | None) -> dict[str, int]:
    now = timezone.now()
    requeued = failed = 0
    dead_after = settings.PP_DOCUMENT_DEAD_AFTER_SECONDS
    if stale_after is not None or database_up_for() >= dead_after:
        cutoff = now - (stale_after or timedelta(seconds=dead_after))
        requeued, failed = _recover_dead_runs(cutoff, now)
    lost_before = now - timedelta(seconds=settings.PP_DOCUMENT_VISIBILITY_TIMEOUT)
    lost = Document.objects.filter(
        status=DocumentStatus.QUEUED, enqueued_at__lt=lost_before
    ).update(enqueued_at=None)
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


def _recover_dead_runs(cutoff: datetime, now: datetime) -> tuple[int, int]:
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
        # Conditional on the run it had: a run that wrote a heartbeat since is left alone.
        requeued += Document.objects.filter(
            pk=document.pk,
            status=DocumentStatus.PROCESSING,
            worker=document.worker,
            heartbeat_at__lt=cutoff,
        ).update(
            status=DocumentStatus.QUEUED,
            worker="",
            step="",
            enqueued_at=None,
            updated_at=now,
        )
    return requeued, failed
