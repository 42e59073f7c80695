"""Running one document: claim it, read its file, run the engine, record the outcome.

Called by the Celery task with a document id. The engine runs outside any database
transaction; progress is written as it goes (step + heartbeat, from the claim to the written
outcome), and the outcome is written in one transaction that also refunds a failure and
re-derives the extraction's status.

Once the engine has run, its outcome is never thrown away for a transient database error: the
write is retried with backoff (``PP_OUTCOME_RETRY_SECONDS``) while the heartbeat keeps the
claim alive, so a database restart delays the result, it does not compute it again.

A document whose earlier run was lost (its process died: out of memory, aborted in PDFium,
killed) runs again only in a forked child with a lower memory limit (``run_limited``,
``PP_RETRY_MEMORY_LIMIT_MB``): whatever killed one worker process cannot kill another.

Transient errors before the engine ran (database connection lost, storage unreachable)
propagate as ``TRANSIENT_ERRORS`` for the task to retry with backoff; everything the document
itself causes ends as a failed document with an error code.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import (
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import F
from django.utils import timezone

from billing.services import InsufficientCredits, charge_credits, credit_count
from extractions import storage
from extractions.engine import (
    ClassifierLabelSpec,
    EngineError,
    ExtractionOptions,
    ExtractionResult,
    extract,
)
from extractions.engine.types import CLASSIFICATION_FAILED, EXTRACTION_FAILED, INTERNAL_ERROR
from extractions.files.services import resolve_staged_upload
from extractions.models import Document, Extraction, StoredFile
from extractions.sandbox import run_limited
from extractions.services.automation import policy_of
from extractions.services.dispatch import Claim, claim_document, dispatch_org
from extractions.services.duplicates import document_key
from extractions.services.lifecycle import (
    PAYMENT_REQUIRED,
    UPLOAD_MISSING,
    complete_document,
    fail_document,
)
from extractions.services.ocr_cache import OrganizationOcrCache
from extractions.services.progress import Progress
from extractions.services.resolve import tier_multiplier
from extractions.services.results import target_of
from extractions.services.uploads import select_pages
from extractions.validation import stored_results, validate_values
from parsers.models import ClassifierLabel, ParserVersion

logger = logging.getLogger(__name__)


class StorageUnavailable(Exception):
    """The storage backend could not be read right now (worth a retry)."""


try:  # S3 through django-storages: network errors are transient
    from botocore.exceptions import ConnectionError as _BotoConnectionError
    from botocore.exceptions import HTTPClientError as _BotoHTTPClientError

    _STORAGE_IO_ERRORS: tuple[type[BaseException], ...] = (
        _BotoConnectionError,
        _BotoHTTPClientError,
    )
except ImportError:  # pragma: no cover
    _STORAGE_IO_ERRORS = ()

TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (*TRANSIENT_DB_ERRORS, StorageUnavailable)


def page_ranges(pages: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3,7" (the engine's page selection syntax)."""
    parts: list[str] = []
    start = prev = None
    for p in pages:
        if start is None:
            start = prev = p
        elif p == prev + 1:
            prev = p
        else:
            parts.append(f"{start}-{prev}" if start != prev else str(start))
            start = prev = p
    if start is not None:
        parts.append(f"{start}-{prev}" if start != prev else str(start))
    return ",".join(parts)


def run_document(*, document_id: int, hostname: str, task_id: str) -> str:
    """Run a document if it is ours to run; returns what happened (for logs and tests)."""
    claim = claim_document(document_id=document_id, hostname=hostname, task_id=task_id)
    if claim.outcome != "claimed":
        return claim.outcome
    return run_claimed_document(claim=claim)


def run_claimed_document(*, claim: Claim) -> str:
    """Run a document this task has claimed (``claim_document``, or a continuation's claim
    in the transaction that finished the one before)."""
    document = claim.document
    assert document is not None
    with Progress(document, claim.token) as progress:
        outcome = _run_claimed(document, claim.token, progress)
    if outcome == "lost_claim":
        # Finishing a document dispatches the next one; a run that lost its claim did not.
        dispatch_org(organization_id=document.organization_id)
    return outcome


def _run_claimed(document: Document, token: str, progress: Progress) -> str:
    if document.attempts > settings.PP_DOCUMENT_MAX_ATTEMPTS:
        fail_document(
            document=document,
            token=token,
            code=INTERNAL_ERROR,
            message=(
                f"Processing was interrupted {document.attempts - 1} times "
                "(worker lost or time limit); giving up."
            ),
        )
        return "failed"
    stored = document.stored_file
    if stored is not None and stored.kind == StoredFile.Kind.STAGED:
        # A presigned upload is checked now: there (else upload_missing), its type and pages.
        try:
            stored = resolve_staged_upload(stored_file=stored)
        except EngineError as exc:
            fail_document(document=document, token=token, code=exc.code, message=exc.message)
            return "failed"
        except _STORAGE_IO_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc
        document.stored_file = stored
    try:
        present = (
            stored is not None and stored.purged_at is None and storage.exists(stored.storage_key)
        )
    except _STORAGE_IO_ERRORS as exc:
        raise StorageUnavailable(str(exc)) from exc
    if not present:
        staged = stored is not None and stored.kind == StoredFile.Kind.STAGED
        fail_document(
            document=document,
            token=token,
            code=UPLOAD_MISSING if staged else INTERNAL_ERROR,
            message=(
                "The staged file was never uploaded, or has expired."
                if staged
                else "The document's file is no longer in storage."
            ),
        )
        return "failed"
    try:
        with storage.local_copy(stored.storage_key) as path:
            if document.charge_on_run and not _charge_on_run(document, token, stored):
                return "failed"
            return _extract_and_record(document, token, path, progress)
    except (FileNotFoundError, *_STORAGE_IO_ERRORS) as exc:
        if isinstance(exc, FileNotFoundError):
            fail_document(
                document=document,
                token=token,
                code=INTERNAL_ERROR,
                message="The document's file is no longer in storage.",
            )
            return "failed"
        raise StorageUnavailable(str(exc)) from exc
    except OSError as exc:
        raise StorageUnavailable(str(exc)) from exc


def _multiplier(document: Document) -> int:
    routes = (document.extraction.options or {}).get("routes") or {}
    if routes:
        return max(int(r["multiplier"]) for r in routes.values())
    if document.parser_version is not None:
        return tier_multiplier(document.parser_version.parser)
    return 1


def _charge_on_run(document: Document, token: str, stored: StoredFile) -> bool:
    """Charge a staged file whose pages were unknown at submission (presigned upload),
    now that resolve_staged_upload counted them; payment_required if the balance is short."""
    if not stored.page_count:
        fail_document(
            document=document,
            token=token,
            code=EXTRACTION_FAILED,
            message="The pages of the file cannot be counted.",
        )
        return False
    spec = (document.extraction.options or {}).get("pages") or ""
    selected = select_pages(spec, stored.page_count)
    if not selected:
        fail_document(
            document=document,
            token=token,
            code=EXTRACTION_FAILED,
            message=f"The page selection {spec!r} picks no page of this {stored.page_count}-page file.",
        )
        return False
    credits = len(selected) * _multiplier(document)
    try:
        with transaction.atomic():
            charge_credits(
                organization=document.organization,
                credits=credits,
                cause_key=f"charge:{document.public_id}",
                reason=f"{credit_count(credits)} for staged file {document.filename}",
                document=document,
                extraction=document.extraction,
            )
            Document.objects.filter(pk=document.pk).update(
                page_count=stored.page_count,
                pages_selected=selected,
                credits_used=credits,
                media_type=stored.media_type,
                size=stored.size,
                sha256=stored.sha256,
                charge_on_run=False,
                updated_at=timezone.now(),
            )
            Extraction.objects.filter(pk=document.extraction_id).update(
                page_count=F("page_count") + stored.page_count,
                credits_used=F("credits_used") + credits,
            )
    except InsufficientCredits as exc:
        fail_document(document=document, token=token, code=PAYMENT_REQUIRED, message=exc.message)
        return False
    document.page_count = stored.page_count
    document.pages_selected = selected
    document.credits_used = credits
    document.sha256 = stored.sha256
    document.charge_on_run = False
    return True


def _label_specs(document: Document) -> list[ClassifierLabelSpec] | None:
    routes = (document.extraction.options or {}).get("routes") or {}
    if not routes:
        return None
    labels = {
        label.name: label
        for label in ClassifierLabel.objects.filter(
            classifier_id=document.extraction.classifier_id, name__in=list(routes)
        )
    }
    schemas = dict(
        ParserVersion.objects.filter(pk__in=[r["version"] for r in routes.values()]).values_list(
            "pk", "schema"
        )
    )
    return [
        ClassifierLabelSpec(
            name=name,
            description=labels[name].description if name in labels else "",
            keywords=list(labels[name].keywords or []) if name in labels else [],
            schema=schemas.get(route["version"]),
        )
        for name, route in routes.items()
    ]


def _extract_and_record(document: Document, token: str, path: str, progress: Progress) -> str:
    options_in = document.extraction.options or {}
    labels = _label_specs(document)
    options = ExtractionOptions(
        pages=page_ranges(document.pages_selected or []) or None,
        target=options_in.get("extraction_target") or "per_doc",
        max_bytes=settings.PP_MAX_FILE_BYTES,
        max_page_count=settings.PP_MAX_PAGES_PER_DOCUMENT,
        include_images=True,
        ocr_threads=settings.PP_OCR_THREADS,
        ocr_backend=settings.PP_OCR_BACKEND,
        ocr_alphabet=settings.PP_OCR_ALPHABET,
        classifier_labels=labels,
        classification_threshold=(
            document.extraction.classifier.threshold
            if labels and document.extraction.classifier_id
            else 0.2
        ),
        ocr_cache=(
            OrganizationOcrCache(organization_id=document.organization_id, document_id=document.pk)
            if settings.PP_OCR_CACHE_ENABLED
            else None
        ),
    )
    schema = document.parser_version.schema if document.parser_version is not None else None
    options.on_step = progress.on_step
    too_long = f"The document took longer than {settings.PP_TASK_SOFT_TIME_LIMIT} s."
    outcome: Callable[[], str]
    try:
        result = _run_engine(document, path, schema, options)
    except EngineError as exc:
        code, message = exc.code, exc.message
        if isinstance(exc.__cause__, SoftTimeLimitExceeded):
            code, message = EXTRACTION_FAILED, too_long
        outcome = _failed(document, token, code, message)
    except SoftTimeLimitExceeded:
        outcome = _failed(document, token, EXTRACTION_FAILED, too_long)
    else:

        def outcome() -> str:
            return _record(document, token, result)

    progress.before_outcome()
    return write_outcome(document, outcome)


def _run_engine(
    document: Document, path: str, schema: dict[str, Any] | None, options: ExtractionOptions
) -> ExtractionResult:
    # One line per engine run (fault tests and bench/chaos.py count them: never twice).
    logger.info("Engine run of document %s (attempt %d)", document.public_id, document.attempts)
    if document.attempts <= 1:
        return extract(path, schema, options)
    # An earlier run was lost (a claim given back on a transient error does not count an
    # attempt): not again in this shared process, but in a child with a lower memory limit.
    # Dying there (out of memory, aborted, a signal) is document_too_large, and the worker
    # lives on. The heartbeat thread of this process keeps the claim alive meanwhile.
    logger.warning(
        "Document %s: run %d after a lost run; isolated in a child limited to +%d MB",
        document.public_id,
        document.attempts,
        settings.PP_RETRY_MEMORY_LIMIT_MB,
    )
    return run_limited(
        extract,
        path,
        schema,
        # the child must not touch the ORM (sandbox): it reads every page itself
        dataclasses.replace(options, ocr_cache=None),
        memory_mb=settings.PP_RETRY_MEMORY_LIMIT_MB,
        timeout_seconds=settings.PP_TASK_SOFT_TIME_LIMIT,
        what="The document",
    )


def _failed(document: Document, token: str, code: str, message: str) -> Callable[[], str]:
    def outcome() -> str:
        done = fail_document(document=document, token=token, code=code, message=message)
        return "failed" if done else "lost_claim"

    return outcome


# A finished run's outcome write is retried after these many seconds, doubling up to the cap.
OUTCOME_RETRY_FIRST_DELAY = 0.25
OUTCOME_RETRY_MAX_DELAY = 4.0


def write_outcome(document: Document, write: Callable[[], str]) -> str:
    """Write a finished run's outcome, retrying a transient database error (the database
    restarting) with backoff for up to PP_OUTCOME_RETRY_SECONDS: the engine's work is kept,
    not redone. Safe to repeat: the write is conditional on the run's claim, so a retry of a
    write that did commit (the answer was lost) changes nothing."""
    deadline = time.monotonic() + settings.PP_OUTCOME_RETRY_SECONDS
    delay = OUTCOME_RETRY_FIRST_DELAY
    while True:
        try:
            return write()
        except TRANSIENT_DB_ERRORS as exc:
            # Inside a caller's transaction (eager mode, a test) nothing can be retried.
            if connection.in_atomic_block or time.monotonic() + delay > deadline:
                raise
            logger.warning(
                "Could not write the outcome of document %s (%s); retrying in %.2f s",
                document.public_id,
                exc,
                delay,
            )
            connection.close()  # a broken connection stays broken until closed
        except SoftTimeLimitExceeded:
            _soft_limit_noted(document)
            continue
        _pause(delay, document)
        delay = min(delay * 2, OUTCOME_RETRY_MAX_DELAY)


def _pause(seconds: float, document: Document) -> None:
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            time.sleep(left)
        except SoftTimeLimitExceeded:
            _soft_limit_noted(document)


def _soft_limit_noted(document: Document) -> None:
    # The result is ready: finishing its write beats failing a finished document (the hard
    # time limit still ends the process).
    logger.warning("Soft time limit while writing the outcome of %s", document.public_id)


def _record(document: Document, token: str, result: ExtractionResult) -> str:
    confidence = {k: round(float(v), 4) for k, v in result.confidence.items()}
    version = document.parser_version
    fields: dict[str, Any] = {
        "initial_output": result.data,
        "citations": {k: c.as_dict() for k, c in result.citations.items()},
        "confidence": confidence,
        "min_confidence": min(confidence.values()) if confidence else None,
        "content": result.content,
        "pages": [p.as_dict() for p in result.pages],
        "images": [i.as_dict() for i in result.images],
        "steps": [s.as_dict() for s in result.steps],
        "media_type": result.media_type,
        "classifier_result": result.classification.as_dict() if result.classification else None,
    }
    credits_back = 0
    routes = (document.extraction.options or {}).get("routes") or {}
    if routes:
        label = result.classification.label if result.classification else None
        route = routes.get(label) if label else None
        if route is None:
            fail_document(
                document=document,
                token=token,
                code=CLASSIFICATION_FAILED,
                message="The document matches none of the classifier's labels.",
            )
            return "failed"
        fields["parser_version_id"] = route["version"]
        version = ParserVersion.objects.select_related("parser").get(pk=route["version"])
        per_page = int(route["multiplier"])
        charged = _multiplier(document)
        if per_page < charged:
            credits_back = len(document.pages_selected or []) * (charged - per_page)
    results = validate_values(
        schema=version.schema if version is not None else {},
        output=result.data,
        target=target_of(document),
    )
    fields["validation"] = stored_results(results)
    fields["rule_failures"] = sum(1 for r in results if not r.ok)
    fields["duplicate_key"] = document_key(
        output=result.data, version=version, target=target_of(document)
    )
    policy = policy_of(
        parser=version.parser if version is not None else None,
        organization=document.organization,
    )
    done = complete_document(
        document=document, token=token, fields=fields, credits_back=credits_back, policy=policy
    )
    return "completed" if done else "lost_claim"
