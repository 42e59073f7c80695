"""Document and extraction state changes after submission: finish, fail (+ refund), cancel,
staff refund and re-run. Every writer of a document's terminal state locks its extraction row
first, so the extraction status derived from the documents' counts is never computed from a
stale view (two documents finishing at once on two workers)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import User
from billing.services import charge_credits, refund_credits, refund_many
from config.db import prepared_update
from config.errors import APIError
from extractions.models import (
    TERMINAL_DOCUMENT_STATUSES,
    Document,
    DocumentStatus,
    Extraction,
    ExtractionStatus,
    WebhookEndpoint,
)
from extractions.services.automation import Policy, settle

PAYMENT_REQUIRED = "payment_required"
UPLOAD_MISSING = "upload_missing"


# --------------------------------------------------------------------------- status


def derive_status(counts: dict[str, int]) -> str:
    """Extraction status from its documents' status counts.

    queued (nothing started) → processing → completed (all completed) | partially_failed (some
    completed, some failed) | failed (none completed, some failed) | cancelled (none
    completed, some cancelled and none failed). Completed plus cancelled, with no failure,
    is completed: every document that ran succeeded.
    """
    queued = counts.get(DocumentStatus.QUEUED, 0)
    processing = counts.get(DocumentStatus.PROCESSING, 0)
    completed = counts.get(DocumentStatus.COMPLETED, 0)
    failed = counts.get(DocumentStatus.FAILED, 0)
    cancelled = counts.get(DocumentStatus.CANCELLED, 0)
    if queued + processing:
        return (
            ExtractionStatus.QUEUED
            if queued and not (processing or completed or failed or cancelled)
            else ExtractionStatus.PROCESSING
        )
    if completed:
        return ExtractionStatus.PARTIALLY_FAILED if failed else ExtractionStatus.COMPLETED
    if failed:
        return ExtractionStatus.FAILED
    return ExtractionStatus.CANCELLED if cancelled else ExtractionStatus.QUEUED


def status_counts(extraction: Extraction) -> dict[str, int]:
    counts = {s: 0 for s in DocumentStatus.values}
    for status, n in (
        Document.objects.filter(extraction=extraction)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[status] = n
    return counts


TERMINAL_EXTRACTION_STATUSES = frozenset(
    {
        ExtractionStatus.COMPLETED,
        ExtractionStatus.PARTIALLY_FAILED,
        ExtractionStatus.FAILED,
        ExtractionStatus.CANCELLED,
    }
)


def refresh_extraction_status(extraction: Extraction, *, finished: str = "") -> str:
    """Re-derive and store the status; call with the extraction row locked. Raises the
    extraction.<status> webhook once, after commit, when it becomes terminal.

    ``finished``: the status one of its documents was just given, in this transaction. An
    extraction of one document (one file per request, the common API call) then has that
    document's counts without reading them.
    """
    if finished and extraction.file_count == 1:
        new = derive_status({finished: 1})
    elif (
        extraction.status == ExtractionStatus.PROCESSING
        and Document.objects.filter(
            extraction=extraction,
            status__in=[DocumentStatus.QUEUED, DocumentStatus.PROCESSING],
        ).exists()
    ):
        # The common case while a batch runs: still processing, decided by one indexed
        # EXISTS instead of counting thousands of documents after each one.
        return extraction.status
    else:
        new = derive_status(status_counts(extraction))
    if new == extraction.status:
        return new
    now = timezone.now()
    extraction.status = new
    extraction.completed_at = now if new in TERMINAL_EXTRACTION_STATUSES else None
    if finished:
        # Derived from a run's outcome, not anybody's edit: no audit-history row (neither
        # has the claim's queued → processing), and one UPDATE after every document.
        prepared_update(
            Extraction,
            values={"status": new, "completed_at": extraction.completed_at, "updated_at": now},
            where="id = %s",
            params=[extraction.pk],
        )
    else:  # a person's action (cancel, re-run): recorded in the extraction's history
        extraction.save(update_fields=["status", "completed_at", "updated_at"])
    if new in TERMINAL_EXTRACTION_STATUSES and wants_webhooks(extraction):
        extraction_id = extraction.pk
        transaction.on_commit(lambda: _emit_extraction(extraction_id, f"extraction.{new}"))
    return new


def wants_webhooks(extraction: Extraction) -> bool:
    """Whether an event of this extraction can have a delivery: it names a webhook_url, or
    its organization has an active endpoint (``has_webhook_endpoints``, read with the locked
    row). Building an event reads the document's whole result and the endpoints: skipped
    for the many customers who poll instead. Unknown (not annotated): assume it can."""
    return bool(extraction.webhook_url or getattr(extraction, "has_webhook_endpoints", True))


def _emit_extraction(extraction_id: int, event: str) -> None:
    from extractions.webhooks.dispatch import emit_extraction_event

    emit_extraction_event(extraction_id=extraction_id, event=event)


def _emit_document(document_id: int, event: str) -> None:
    from extractions.webhooks.dispatch import emit_document_event

    emit_document_event(document_id=document_id, event=event)


def _dispatch(organization_id: int) -> None:
    from extractions.services.dispatch import dispatch_org

    dispatch_org(organization_id=organization_id)


def _for_update() -> str:
    # SQLite has no row locks (its transactions take the whole database).
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def _locked_extraction(extraction_id: int) -> Extraction:
    """The extraction row, locked, with ``has_webhook_endpoints`` (see ``wants_webhooks``).

    Plain SQL through ``raw()`` (which still converts every field): after every finished
    document, the ORM's compilation of this query cost more CPU than the database did.
    Not the stored 202 body: for a 10,000-file batch it is a megabyte, read per document.
    """
    q = connection.ops.quote_name
    columns = ", ".join(
        f"e.{q(f.column)}" for f in Extraction._meta.concrete_fields if f.name != "response_body"
    )
    sql = (
        f"SELECT {columns}, EXISTS (SELECT 1 FROM {q(WebhookEndpoint._meta.db_table)} w"
        "  WHERE w.organization_id = e.organization_id AND w.active) AS has_webhook_endpoints"
        f" FROM {q(Extraction._meta.db_table)} e WHERE e.id = %s{_for_update()}"
    )
    found = list(Extraction.objects.raw(sql, [extraction_id]))
    if not found:
        raise Extraction.DoesNotExist(f"No extraction {extraction_id}")
    return found[0]


def _extraction_for_outcome(document: Document) -> Extraction:
    """The extraction whose status a finishing run re-derives.

    A batch's is read locked (two of its documents may finish at once on two workers, and
    each must derive from the other's committed status). An extraction of one document (one
    file per request, the common API call) has no other document to race with: the run's
    conditional UPDATE of that document serializes its outcome, and cancel, re-run and
    refunds change nothing a running document's outcome depends on. So the copy its claim
    read serves (the UPDATE of the status still takes the row's lock): one statement less
    after every such document.
    """
    field = Document._meta.get_field("extraction")
    if field.is_cached(document):
        extraction = document.extraction
        if extraction.file_count == 1 and hasattr(extraction, "has_webhook_endpoints"):
            return extraction
    return _locked_extraction(document.extraction_id)


# --------------------------------------------------------------------------- refunds


def refund_key(document: Document) -> str:
    """One refund per charge of a document: the first charge, then each staff re-run."""
    base = f"refund:{document.public_id}"
    return base if document.reruns == 0 else f"{base}:{document.reruns}"


def _refund(document: Document, extraction: Extraction, reason: str, **refs: Any) -> int:
    """Give back what the document's current charge has not had back yet (once)."""
    credits = document.credits_used - document.refunded_credits
    if credits <= 0:
        return 0
    result = refund_credits(
        organization=document.organization,
        credits=credits,
        cause_key=refund_key(document),
        reason=reason,
        document=document,
        extraction=extraction,
        **refs,
    )
    if not result.created:
        return 0
    document.refunded_credits += credits
    Document.objects.filter(pk=document.pk).update(refunded_credits=document.refunded_credits)
    return credits


# --------------------------------------------------------------------------- finishing


def complete_document(
    *,
    document: Document,
    token: str,
    fields: dict[str, Any],
    credits_back: int = 0,
    policy: Policy | None = None,
) -> bool:
    """Store a successful result. False if the run lost its claim (another run owns it).

    ``credits_back``: the part of the charge a classifier's routed parser did not need (a
    cheaper tier than the one charged at submission), given back in the same transaction.
    ``policy``: the parser's review threshold and automation policy; the result is then
    checked for a duplicate and goes to the review queue or is accepted
    (``services.automation``), in this same write.
    """
    now = timezone.now()
    events: tuple[str, ...] = ()
    with transaction.atomic():
        extraction = _extraction_for_outcome(document)
        if credits_back > 0:
            fields = {**fields, "credits_used": max(0, document.credits_used - credits_back)}
        if policy is not None:
            decision = settle(document=document, fields=fields, policy=policy, now=now)
            fields = {**fields, **decision.fields}
            events = decision.events
        updated = prepared_update(
            Document,
            values={
                "status": DocumentStatus.COMPLETED,
                "step": "",
                "error_code": "",
                "error_message": "",
                "finished_at": now,
                "heartbeat_at": now,
                "updated_at": now,
                **fields,
            },
            where="id = %s AND status = %s AND worker = %s",
            params=[document.pk, DocumentStatus.PROCESSING, token],
        )
        if not updated:
            return False
        if credits_back > 0:
            suffix = f":{document.reruns}" if document.reruns else ""
            refund_credits(
                organization=document.organization,
                credits=credits_back,
                cause_key=f"tier:{document.public_id}{suffix}",
                reason="Routed to a parser of a cheaper tier than charged",
                document=document,
                extraction=extraction,
            )
            Extraction.objects.filter(pk=extraction.pk).update(
                credits_used=F("credits_used") - credits_back
            )
        refresh_extraction_status(extraction, finished=DocumentStatus.COMPLETED)
        if wants_webhooks(extraction):
            document_id = document.pk
            for event in ("document.completed", *events):
                transaction.on_commit(lambda event=event: _emit_document(document_id, event))
        # The slot this document held is free: hand it on in the same transaction.
        _dispatch(document.organization_id)
    return True


def fail_document(*, document: Document, code: str, message: str, token: str | None = None) -> bool:
    """Mark the document failed and refund its credits in the same transaction.

    With ``token``, only if that run still owns it; without, from any non-terminal status.
    """
    now = timezone.now()
    with transaction.atomic():
        extraction = _extraction_for_outcome(document)
        qs = Document.objects.filter(pk=document.pk)
        if token is not None:
            qs = qs.filter(status=DocumentStatus.PROCESSING, worker=token)
        else:
            qs = qs.exclude(status__in=TERMINAL_DOCUMENT_STATUSES)
        updated = qs.update(
            status=DocumentStatus.FAILED,
            step="",
            error_code=code,
            error_message=message[:5000],
            finished_at=now,
            updated_at=now,
        )
        if not updated:
            return False
        document.refresh_from_db(fields=["credits_used", "refunded_credits", "reruns"])
        _refund(document, extraction, reason=f"Document failed ({code})")
        refresh_extraction_status(extraction, finished=DocumentStatus.FAILED)
        if wants_webhooks(extraction):
            document_id = document.pk
            transaction.on_commit(lambda: _emit_document(document_id, "document.failed"))
        _dispatch(document.organization_id)
    return True


# --------------------------------------------------------------------------- customer actions


def cancel_extraction(*, extraction: Extraction) -> Extraction:
    """Queued documents → cancelled and refunded (once each); running ones finish."""
    now = timezone.now()
    with transaction.atomic():
        extraction = _locked_extraction(extraction.pk)
        documents = list(
            Document.objects.select_for_update()
            .filter(extraction=extraction, status=DocumentStatus.QUEUED)
            .only("id", "public_id", "credits_used", "refunded_credits", "reruns")
        )
        if documents:
            ids = [d.pk for d in documents]
            Document.objects.filter(pk__in=ids).update(
                status=DocumentStatus.CANCELLED, step="", finished_at=now, updated_at=now
            )
            # One ledger entry per document, written in bulk (a batch may have thousands).
            refund_many(
                organization=extraction.organization,
                refunds=[
                    (
                        refund_key(d),
                        d.credits_used - d.refunded_credits,
                        {"document": d, "extraction": extraction},
                    )
                    for d in documents
                ],
                reason="Document cancelled before it ran",
            )
            Document.objects.filter(pk__in=ids).update(refunded_credits=F("credits_used"))
        refresh_extraction_status(extraction)
        organization_id = extraction.organization_id
    # Slots held by cancelled documents already handed to the broker are free again.
    from extractions.services.dispatch import dispatch_org

    dispatch_org(organization_id=organization_id)
    extraction.refresh_from_db()
    return extraction


# --------------------------------------------------------------------------- staff actions


def refund_document(*, document: Document, staff_user: User | None, reason: str) -> int:
    """A support refund of the document's current charge; once (409 if already refunded)."""
    if not (reason or "").strip():
        raise APIError("INVALID_PAYLOAD", "A refund needs a reason.")
    with transaction.atomic():
        extraction = _locked_extraction(document.extraction_id)
        document = (
            Document.objects.select_for_update().select_related("organization").get(pk=document.pk)
        )
        if document.credits_used <= document.refunded_credits:
            raise APIError(
                "ALREADY_REFUNDED",
                f"Document {document.public_id} has no charge left to refund.",
                status_code=409,
            )
        return _refund(document, extraction, reason=reason, staff_user=staff_user)


def rerun_document(
    *,
    document: Document,
    actor: Any = None,
    staff_user: User | None = None,
    completed: bool = False,
    parser_version: Any = None,
    charge: bool = True,
    reason: str = "",
) -> Document:
    """Run a failed or cancelled document again, charging its pages again ("rerun:<doc>:<n>";
    402 if the balance cannot pay). A later failure refunds this new charge once.

    Support may also re-run a ``completed`` document, with another ``parser_version`` of
    the same parser, and free of charge (``charge=False``); the new run's result replaces
    the old one (the review starts over; the edit history stays)."""
    from extractions.services.dispatch import dispatch_org
    from extractions.services.resolve import tier_multiplier

    now = timezone.now()
    with transaction.atomic():
        extraction = _locked_extraction(document.extraction_id)
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("organization", "parser_version__parser", "stored_file")
            .get(pk=document.pk)
        )
        allowed = (DocumentStatus.FAILED, DocumentStatus.CANCELLED)
        if completed:
            allowed += (DocumentStatus.COMPLETED,)
        if document.status not in allowed:
            raise APIError(
                "DOCUMENT_NOT_RERUNNABLE",
                "Only failed or cancelled documents can be run again"
                + (", or completed ones by support." if completed else "."),
                status_code=409,
            )
        stored = document.stored_file
        if completed and (stored is None or stored.purged_at is not None):
            raise APIError(
                "DOCUMENT_NOT_RERUNNABLE",
                "The document's file is no longer stored (retention): it cannot run again.",
                status_code=409,
            )
        if parser_version is not None and parser_version.pk != document.parser_version_id:
            current = document.parser_version
            if current is None or parser_version.parser_id != current.parser_id:
                raise APIError(
                    "INVALID_PAYLOAD",
                    "A document re-runs with a version of its own parser.",
                )
            document.parser_version = parser_version
        reruns = document.reruns + 1
        routes = (extraction.options or {}).get("routes") or {}
        if routes:  # a classifier's document: the dearest tier, as at submission
            multiplier = max(int(r["multiplier"]) for r in routes.values())
        elif document.parser_version is not None:
            multiplier = tier_multiplier(document.parser_version.parser)
        else:
            multiplier = 1
        credits = len(document.pages_selected or []) * multiplier if charge else 0
        if credits:
            charge_credits(
                organization=document.organization,
                credits=credits,
                cause_key=f"rerun:{document.public_id}:{reruns}",
                reason=f"Re-run of {document.public_id}" + (f": {reason}" if reason else ""),
                document=document,
                extraction=extraction,
                staff_user=staff_user or getattr(actor, "user", None),
            )
        Document.objects.filter(pk=document.pk).update(
            status=DocumentStatus.QUEUED,
            parser_version=document.parser_version,
            reruns=reruns,
            credits_used=credits,
            refunded_credits=0,
            charge_on_run=document.charge_on_run and not credits,
            attempts=0,
            step="",
            error_code="",
            error_message="",
            worker="",
            enqueued_at=None,
            started_at=None,
            finished_at=None,
            heartbeat_at=None,
            updated_at=now,
            # A completed document's review belonged to the old result: it starts over (the
            # new run's outcome sets these again; the edit history stays).
            **(
                {
                    "reviewed": False,
                    "reviewed_output": None,
                    "reviewed_at": None,
                    "reviewed_by": None,
                    "review_source": "",
                    "review_score": None,
                }
                if document.status == DocumentStatus.COMPLETED
                else {}
            ),
        )
        refresh_extraction_status(extraction)
        organization_id = document.organization_id
    dispatch_org(organization_id=organization_id)
    document.refresh_from_db()
    return document
