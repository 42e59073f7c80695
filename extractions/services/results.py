"""The result of a document as the API, the dashboard and webhooks show it."""

from __future__ import annotations

from typing import Any

from config.errors import APIError
from extractions.models import Document, DocumentEdit, DocumentStatus, Extraction
from extractions.validation import stored_results, validate_values


def ensure_results_available(document: Document) -> None:
    """410 RESULT_EXPIRED once retention purged the document's file and results."""
    if document.results_purged_at is not None:
        raise APIError(
            "RESULT_EXPIRED",
            f"The results of document {document.public_id} were deleted at the end of the "
            "organization's retention period.",
            status_code=410,
            details={"purged_at": document.results_purged_at.isoformat()},
        )


def _ts(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def error_of(document: Document) -> dict[str, str] | None:
    if not document.error_code:
        return None
    return {"code": document.error_code, "message": document.error_message}


def extraction_time(document: Document) -> float | None:
    if document.started_at is None or document.finished_at is None:
        return None
    return round((document.finished_at - document.started_at).total_seconds(), 3)


def edit_dict(edit: DocumentEdit) -> dict[str, Any]:
    return {
        "path": edit.path,
        "before": edit.before,
        "after": edit.after,
        "user": edit.user.email if edit.user_id else None,
        "api_key": edit.api_key.prefix if edit.api_key_id else None,
        # "support": PerfectParser staff, named to the customer only as that.
        "source": edit.source,
        "reason": edit.reason,
        "created_at": _ts(edit.created_at),
    }


def duplicate_of(document: Document) -> dict[str, str] | None:
    """The earlier document this one repeats, as the API and webhooks show it."""
    original = document.duplicate_of
    if original is None:
        return None
    return {
        "document_id": original.public_id,
        "extraction_id": original.extraction.public_id,
        "match": document.duplicate_match,
    }


def target_of(document: Document) -> str:
    return (document.extraction.options or {}).get("extraction_target") or "per_doc"


def validation_of(document: Document) -> list[dict[str, Any]]:
    """The parser's rules on the document's current output: as stored when it completed or
    was last reviewed; worked out now for a document that completed before rules existed."""
    if document.validation is not None:
        return document.validation
    if document.status != DocumentStatus.COMPLETED or document.parser_version is None:
        return []
    results = validate_values(
        schema=document.parser_version.schema or {},
        output=document.output,
        target=target_of(document),
    )
    return stored_results(results)


def document_summary(document: Document) -> dict[str, Any]:
    """A document inside an extraction (status polling)."""
    return {
        "document_id": document.public_id,
        "filename": document.filename,
        "status": document.status,
        "step": document.step or None,
        "page_count": document.page_count,
        "credits_used": document.credits_used,
        "error": error_of(document),
        "reviewed": document.reviewed,
        "review_source": document.review_source or None,
        "updated_at": _ts(document.updated_at),
    }


def document_result(*, document: Document) -> dict[str, Any]:
    """Everything about one document (410 RESULT_EXPIRED after retention)."""
    from extractions.flags import document_flags, document_threshold, needs_review

    ensure_results_available(document)
    extraction: Extraction = document.extraction
    edits = [
        edit_dict(e)
        for e in DocumentEdit.objects.filter(document=document).select_related("user", "api_key")
    ]
    version = document.parser_version
    threshold = document_threshold(document)
    return {
        "document_id": document.public_id,
        "extraction_id": extraction.public_id,
        "parser_id": version.parser.public_id if version is not None else None,
        "parser_version": version.number if version is not None else None,
        "classifier_id": extraction.classifier.public_id if extraction.classifier_id else None,
        "filename": document.filename,
        "media_type": document.media_type,
        "size": document.size,
        "status": document.status,
        "step": document.step or None,
        "data": document.output,
        "initial_output": document.initial_output,
        "reviewed_output": document.reviewed_output,
        "reviewed": document.reviewed,
        "reviewed_at": _ts(document.reviewed_at),
        "review_source": document.review_source or None,
        "reviewed_by": document.reviewed_by.email if document.reviewed_by_id else None,
        "triage": document.triage or None,
        "duplicate_of": duplicate_of(document),
        "edited": bool(edits),
        "edits": edits,
        "citations": document.citations,
        "confidence": document.confidence,
        "min_confidence": document.min_confidence,
        "classifier_result": document.classifier_result,
        "validation": validation_of(document),
        "review_threshold": threshold,
        "flagged": [f.as_dict() for f in document_flags(document, threshold=threshold)],
        "needs_review": needs_review(document, threshold=threshold),
        "content": document.content,
        "pages": document.pages,
        "images": document.images,
        "page_count": document.page_count,
        "pages_selected": document.pages_selected,
        "credits_used": document.credits_used,
        "credits_refunded": document.refunded_credits,
        "extraction_time": extraction_time(document),
        "steps": document.steps,
        "error": error_of(document),
        "metadata": extraction.metadata,
        "created_at": _ts(document.created_at),
        "updated_at": _ts(document.updated_at),
        "finished_at": _ts(document.finished_at),
    }


def page_rotation(document: Document, page: int) -> int:
    """Degrees the engine turned ``page`` to read it upright (0 when unknown)."""
    return next(
        (int(p.get("rotation") or 0) for p in document.pages or [] if p.get("number") == page), 0
    )


def render_document_page(
    *, document: Document, storage_key: str, page: int, max_side: int
) -> bytes:
    """A page of the document's stored file as PNG, upright like its citations, rendered in a
    forked child under the web limits (a hostile page cannot take the web process down).

    Raises the engine's ``EngineError`` when the page cannot be rendered and
    ``FileNotFoundError`` when the file is no longer stored."""
    from django.conf import settings

    from extractions import storage
    from extractions.engine import render_page_png
    from extractions.sandbox import run_limited

    with storage.local_copy(storage_key) as path:
        return run_limited(
            render_page_png,
            path,
            page,
            max_side=max_side,
            rotation=page_rotation(document, page),
            memory_mb=settings.PP_WEB_ENGINE_MEMORY_LIMIT_MB,
            timeout_seconds=settings.PP_WEB_ENGINE_TIMEOUT_SECONDS,
            what=f"Page {page}",
        )
