"""The extractions list and one extraction's live progress (htmx polling until it is done)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.web_tenancy import org_view
from extractions import flags, selectors
from extractions.models import DocumentStatus, ExtractionStatus
from extractions.services import cancel_extraction
from extractions.services.lifecycle import TERMINAL_EXTRACTION_STATUSES, status_counts
from parsers import selectors as parser_selectors

PAGE_SIZE = 25
STEP_LABELS = {
    "intake": "Reading the file",
    "text": "Reading text",
    "ocr": "Recognising text (OCR)",
    "classification": "Classifying",
    "images": "Finding images",
    "parsing": "Filling the fields",
    "location": "Locating values",
}


@org_view
def extraction_list(request: HttpRequest) -> HttpResponse:
    organization = request.tenant.organization
    status = request.GET.get("status", "")
    parser_id = request.GET.get("parser", "")
    q = request.GET.get("q", "").strip().replace("\x00", "")
    qs = selectors.list_extractions(
        organization=organization,
        status=status if status in ExtractionStatus.values else None,
        parser_id=parser_id or None,
        created_after=request.GET.get("from") or None,
        created_before=request.GET.get("to") or None,
    )
    if q:
        qs = qs.filter(
            Q(public_id=q) | Q(documents__public_id=q) | Q(documents__filename__icontains=q)
        ).distinct()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "extractions/list.html",
        {
            "page": page,
            "status": status,
            "parser_id": parser_id,
            "q": q,
            "date_from": request.GET.get("from", ""),
            "date_to": request.GET.get("to", ""),
            "statuses": ExtractionStatus.choices,
            "parsers": parser_selectors.list_parsers(organization=organization),
            "querystring": query.urlencode(),
            "filtered": bool(status or parser_id or q or request.GET.get("from")),
        },
    )


def _progress_context(request: HttpRequest, extraction_id: str) -> dict[str, Any]:
    extraction = selectors.get_extraction(
        organization=request.tenant.organization, extraction_id=extraction_id
    )
    counts = status_counts(extraction)
    total = sum(counts.values())
    done = (
        counts[DocumentStatus.COMPLETED]
        + counts[DocumentStatus.FAILED]
        + counts[DocumentStatus.CANCELLED]
    )
    documents = list(
        extraction.documents.order_by("position", "id")
        .annotate(threshold=flags.threshold_expression())
        .only(
            "public_id",
            "filename",
            "status",
            "step",
            "page_count",
            "credits_used",
            "error_code",
            "error_message",
            "min_confidence",
            "review_score",
            "triage",
            "duplicate_of",
            "reviewed",
            "results_purged_at",
            "updated_at",
        )
    )
    for document in documents:
        document.step_label = STEP_LABELS.get(document.step, document.step)
        document.needs_review = flags.needs_review(document, threshold=document.threshold)
        document.fails_a_rule = document.review_score == flags.FLAGGED_SCORE
    return {
        "extraction": extraction,
        "documents": documents,
        "counts": counts,
        "total": total,
        "done": done,
        "percent": round(100 * done / total) if total else 100,
        "finished": extraction.status in TERMINAL_EXTRACTION_STATUSES,
        "threshold": request.tenant.organization.review_confidence_threshold,
    }


@org_view
def extraction_detail(request: HttpRequest, extraction_id: str) -> HttpResponse:
    return render(request, "extractions/detail.html", _progress_context(request, extraction_id))


@org_view
def extraction_progress(request: HttpRequest, extraction_id: str) -> HttpResponse:
    """The part of the detail page that htmx re-fetches every second until it is finished."""
    return render(request, "extractions/progress.html", _progress_context(request, extraction_id))


@require_POST
@org_view
def extraction_cancel(request: HttpRequest, extraction_id: str) -> HttpResponse:
    extraction = selectors.get_extraction(
        organization=request.tenant.organization, extraction_id=extraction_id
    )
    cancel_extraction(extraction=extraction)
    messages.success(request, "Queued documents were cancelled and their credits refunded.")
    return redirect("web:extraction-detail", extraction_id=extraction.public_id)
