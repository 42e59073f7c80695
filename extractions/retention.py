"""Retention: stored files and results live ``organization.retention_hours``, then go.

A periodic task (``retention_tasks.purge_expired_data``) runs ``purge_expired``:

- results of finished documents past retention (counted from ``finished_at``, else
  ``created_at``): content, pages, images, outputs, citations, confidence and classifier
  result become null, their stored page/embedded images are deleted, review edits keep their
  path/user/time but lose the values, the OCR their runs cached (``OcrPageCache``) is
  deleted, and ``results_purged_at`` is set. The extraction and
  document rows keep their metadata, counts and credit ledger entries;
- stored files (submission uploads, and staged files a batch used) past retention, once no
  running document reads them: the object is deleted, ``purged_at`` set;
- staged files no batch ever used, past ``expires_at`` (``PP_STAGED_FILE_TTL_HOURS``).

Work is batched (``PP_RETENTION_BATCH_SIZE`` rows, at most ``PP_RETENTION_MAX_BATCHES_PER_RUN``
batches a run). Rows are marked before their objects are deleted, outside the transaction, so
nothing starts using a file being deleted; a failed delete unmarks the rows for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Organization
from config.errors import APIError
from extractions.files.services import delete_stored_objects
from extractions.models import (
    TERMINAL_DOCUMENT_STATUSES,
    Document,
    DocumentEdit,
    DocumentStatus,
    OcrPageCache,
    StoredFile,
)

logger = logging.getLogger(__name__)

RESULT_FIELDS = (
    "content",
    "pages",
    "images",
    "initial_output",
    "reviewed_output",
    "citations",
    "confidence",
    "classifier_result",
    "validation",  # its messages quote values
)
_RUNNING = (DocumentStatus.QUEUED, DocumentStatus.PROCESSING)


def ensure_results_available(document: Document) -> None:
    """410 RESULT_EXPIRED for a document whose results retention has purged."""
    if document.results_purged_at is not None:
        raise APIError(
            "RESULT_EXPIRED",
            "This document's results were deleted at the end of the organization's retention "
            "period; its metadata remains.",
            status_code=410,
            details={"purged_at": document.results_purged_at.isoformat()},
        )


@dataclass(slots=True)
class PurgeReport:
    documents: int = 0
    stored_files: int = 0
    staged_files: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.documents + self.stored_files + self.staged_files


def _retention_cutoffs(now: datetime) -> list[tuple[int, datetime]]:
    """(retention_hours, cutoff) per distinct retention setting: a handful of values, so each
    purge query compares a plain column with a constant and can use an index."""
    hours = Organization.objects.order_by().values_list("retention_hours", flat=True).distinct()
    return [(h, now - timedelta(hours=h)) for h in sorted(set(hours))]


def _image_keys(images: Any) -> list[str]:
    """Storage keys referenced by a document's ``images`` (entries with a ``storage_key``)."""
    keys: list[str] = []
    for entry in images or []:
        if isinstance(entry, dict):
            key = entry.get("storage_key") or entry.get("key")
            if isinstance(key, str) and key:
                keys.append(key)
    return keys


def purge_document_results(*, now: datetime, limit: int) -> int:
    """Null the results of up to ``limit`` finished documents past retention."""
    purged = 0
    for hours, cutoff in _retention_cutoffs(now):
        if purged >= limit:
            break
        rows = list(
            Document.objects.filter(
                organization__retention_hours=hours,
                results_purged_at__isnull=True,
                status__in=TERMINAL_DOCUMENT_STATUSES,
            )
            .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
            .order_by("id")
            .values_list("id", "images")[: limit - purged]
        )
        if not rows:
            continue
        ids = [pk for pk, _images in rows]
        image_keys = [key for _pk, images in rows for key in _image_keys(images)]
        with transaction.atomic():
            Document.objects.filter(pk__in=ids, results_purged_at__isnull=True).update(
                results_purged_at=now, **dict.fromkeys(RESULT_FIELDS)
            )
            DocumentEdit.objects.filter(document_id__in=ids).update(before=None, after=None)
            # the text OCR read from their pages, kept for re-runs, goes with the results
            OcrPageCache.objects.filter(document_id__in=ids).delete()
            _purge_history(ids)
        try:
            delete_stored_objects(keys=image_keys)
        except Exception:
            # The rows no longer point at them; log the keys so they can be removed by hand.
            logger.exception("Retention could not delete %d image objects", len(image_keys))
        purged += len(ids)
    return purged


def _purge_history(document_ids: list[int]) -> None:
    """Historical rows of a document keep the tracked result fields; null those too."""
    history = getattr(Document, "history", None)
    if history is None:
        return
    model = history.model
    names = {f.name for f in model._meta.get_fields()}
    fields = [name for name in RESULT_FIELDS if name in names]
    if fields:
        model.objects.filter(id__in=document_ids).update(**dict.fromkeys(fields))


def _claim_files(queryset: QuerySet[StoredFile], *, now: datetime, limit: int) -> list[tuple]:
    """Mark up to ``limit`` files purged (rows locked, others' locks skipped); (id, key)."""
    with transaction.atomic():
        rows = list(
            queryset.select_for_update(skip_locked=True, of=("self",))
            .order_by("id")
            .values_list("id", "storage_key")[:limit]
        )
        if rows:
            StoredFile.objects.filter(pk__in=[pk for pk, _ in rows]).update(purged_at=now)
    return rows


def _delete_claimed(rows: list[tuple], report: PurgeReport) -> int:
    if not rows:
        return 0
    try:
        delete_stored_objects(keys=[key for _pk, key in rows])
    except Exception as exc:
        StoredFile.objects.filter(pk__in=[pk for pk, _ in rows]).update(purged_at=None)
        logger.exception("Retention could not delete %d stored files; will retry", len(rows))
        report.errors.append(f"{type(exc).__name__}: {exc}")
        return 0
    return len(rows)


def purge_stored_files(*, now: datetime, limit: int, report: PurgeReport) -> int:
    """Delete submission uploads and used staged files past retention (not while running)."""
    purged = 0
    for hours, cutoff in _retention_cutoffs(now):
        if purged >= limit:
            break
        candidates = (
            StoredFile.objects.filter(
                organization__retention_hours=hours,
                purged_at__isnull=True,
                created_at__lt=cutoff,
            )
            .filter(Q(kind=StoredFile.Kind.SUBMISSION) | Q(used_at__isnull=False))
            .exclude(
                pk__in=Document.objects.filter(status__in=_RUNNING, stored_file__isnull=False)
                .order_by()
                .values("stored_file_id")
            )
        )
        purged += _delete_claimed(_claim_files(candidates, now=now, limit=limit - purged), report)
    return purged


def expire_staged_files(*, now: datetime, limit: int, report: PurgeReport) -> int:
    """Delete staged files no batch used before they expired."""
    candidates = StoredFile.objects.filter(
        kind=StoredFile.Kind.STAGED,
        used_at__isnull=True,
        purged_at__isnull=True,
        expires_at__lt=now,
    )
    return _delete_claimed(_claim_files(candidates, now=now, limit=limit), report)


def purge_expired(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    max_batches: int | None = None,
) -> PurgeReport:
    """One bounded retention run (what the periodic task calls)."""
    now = now or timezone.now()
    batch_size = batch_size or settings.PP_RETENTION_BATCH_SIZE
    max_batches = max_batches or settings.PP_RETENTION_MAX_BATCHES_PER_RUN
    report = PurgeReport()
    steps: list[tuple[str, Callable[[], int]]] = [
        ("documents", lambda: purge_document_results(now=now, limit=batch_size)),
        (
            "stored_files",
            lambda: purge_stored_files(now=now, limit=batch_size, report=report),
        ),
        (
            "staged_files",
            lambda: expire_staged_files(now=now, limit=batch_size, report=report),
        ),
    ]
    for name, step in steps:
        for _ in range(max_batches):
            done = step()
            setattr(report, name, getattr(report, name) + done)
            if done < batch_size:
                break
    if report.total:
        logger.info(
            "Retention purged %d document results, %d stored files, %d staged files",
            report.documents,
            report.stored_files,
            report.staged_files,
        )
    return report
