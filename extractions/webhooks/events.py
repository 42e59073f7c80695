"""Webhook events: their ids and payloads (a summary of the extraction or document)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from extractions.models import WEBHOOK_EVENTS, Document, Extraction

DOCUMENT_EVENTS = frozenset(e for e in WEBHOOK_EVENTS if e.startswith("document."))
EXTRACTION_EVENTS = frozenset(e for e in WEBHOOK_EVENTS if e.startswith("extraction."))


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def event_id(*, event: str, object_id: str, occurred_at: datetime | None, run: int = 0) -> str:
    """The same transition always gets the same id (so emitting it twice delivers it once);
    a later transition of the same object (a re-run) gets a new one."""
    key = f"{event}|{object_id}|{iso(occurred_at) or ''}|{run}"
    return "evt_" + hashlib.sha256(key.encode()).hexdigest()[:32]


def envelope(*, event_id: str, event: str, created_at: datetime, data: dict[str, Any]) -> dict:
    return {"id": event_id, "type": event, "created_at": iso(created_at), "data": data}


def extraction_data(extraction: Extraction) -> dict[str, Any]:
    counts = dict(
        extraction.documents.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "object": "extraction",
        "extraction_id": extraction.public_id,
        "parser_id": extraction.parser.public_id if extraction.parser_id else None,
        "classifier_id": extraction.classifier.public_id if extraction.classifier_id else None,
        "status": extraction.status,
        "file_count": extraction.file_count,
        "page_count": extraction.page_count,
        "credits_used": extraction.credits_used,
        "document_counts": counts,
        "metadata": extraction.metadata,
        "created_at": iso(extraction.created_at),
        "completed_at": iso(extraction.completed_at),
    }


def document_data(document: Document) -> dict[str, Any]:
    from extractions.flags import document_flags, document_threshold, needs_review
    from extractions.services.results import duplicate_of

    extraction = document.extraction
    parser = document.parser_version.parser if document.parser_version_id else extraction.parser
    threshold = document_threshold(document)
    return {
        "object": "document",
        "document_id": document.public_id,
        "extraction_id": extraction.public_id,
        "parser_id": parser.public_id if parser is not None else None,
        "filename": document.filename,
        "status": document.status,
        "page_count": document.page_count,
        "credits_used": document.credits_used,
        "error": (
            {"code": document.error_code, "message": document.error_message}
            if document.error_code
            else None
        ),
        "reviewed": document.reviewed,
        "review_source": document.review_source or None,
        "reviewed_at": iso(document.reviewed_at),
        "triage": document.triage or None,
        "duplicate_of": duplicate_of(document),
        "needs_review": needs_review(document, threshold=threshold),
        "flagged_fields": [f.field for f in document_flags(document, threshold=threshold)],
        "metadata": extraction.metadata,
        "created_at": iso(document.created_at),
        "finished_at": iso(document.finished_at),
    }


def build_extraction_event(extraction: Extraction, event: str) -> dict[str, Any]:
    occurred = extraction.completed_at or timezone.now()
    eid = event_id(event=event, object_id=extraction.public_id, occurred_at=extraction.completed_at)
    return envelope(
        event_id=eid, event=event, created_at=occurred, data=extraction_data(extraction)
    )


def build_document_event(document: Document, event: str) -> dict[str, Any]:
    # A review is its own transition: each one (a person's after an automatic acceptance, a
    # second correction) is a new event; the same review raised twice is one.
    at = document.reviewed_at if event == "document.reviewed" else document.finished_at
    occurred = at or timezone.now()
    eid = event_id(
        event=event,
        object_id=document.public_id,
        occurred_at=at,
        run=getattr(document, "reruns", 0) or 0,
    )
    return envelope(event_id=eid, event=event, created_at=occurred, data=document_data(document))
