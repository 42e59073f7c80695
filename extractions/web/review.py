"""Document review: page images with the cited boxes, the generated form, edits, downloads,
and the review queue. Saving goes through ``extractions.services.review_document``."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts.web_tenancy import org_view
from config.errors import APIError
from extractions import flags, selectors
from extractions.models import Document, DocumentEdit, DocumentStatus
from extractions.services import document_result, review_document
from extractions.services.results import ensure_results_available, target_of
from extractions.validation import REQUIRED
from extractions.web import exports, queries
from extractions.web.review_form import FormErrors, parse_form, walk
from extractions.web.review_state import document_form, page_image_response

QUEUE_PAGE = 200
# "approve": save the corrections and mark reviewed; "mark": mark reviewed, no edit.
APPROVE_ACTIONS = ("approve", "mark")
LAST_APPROVED = "review.last_approved"  # session: the document approved before this one


def _document(request: HttpRequest, extraction_id: str, document_id: str) -> Document:
    organization = request.tenant.organization
    extraction = selectors.get_extraction(organization=organization, extraction_id=extraction_id)
    return selectors.get_document(
        organization=organization, document_id=document_id, extraction=extraction
    )


def _queue_position(request: HttpRequest, document: Document) -> dict[str, Any] | None:
    """Previous / next documents of the review queue around this one (oldest first)."""
    if request.GET.get("queue") != "1":
        return None
    ids = list(
        flags.review_queue(organization=request.tenant.organization).values_list(
            "public_id", "extraction__public_id"
        )[:1000]
    )
    keys = [doc_id for doc_id, _ in ids]
    index = keys.index(document.public_id) if document.public_id in keys else -1

    def url(i: int) -> str | None:
        if 0 <= i < len(ids):
            doc_id, ext_id = ids[i]
            return reverse("web:document-review", args=[ext_id, doc_id]) + "?queue=1"
        return None

    next_index = index + 1 if index >= 0 else 0
    return {
        "position": index + 1 if index >= 0 else None,
        "total": len(ids),
        "previous": url(index - 1) if index > 0 else None,
        "next": url(next_index),
    }


def _context(
    request: HttpRequest,
    document: Document,
    *,
    posted: Any = None,
    errors: dict[str, str] | None = None,
    raw_post: Any = None,
) -> dict[str, Any]:
    form = document_form(document, posted=posted, errors=errors, raw_post=raw_post)
    edits = (
        DocumentEdit.objects.filter(document=document)
        .select_related("user", "api_key")
        .order_by("-created_at", "-id")
    )
    context = {
        **form.context(),  # the form, boxes, pages, counts, checks: shared with the admin's
        "document": document,
        "extraction": document.extraction,
        "edits": edits,
        "queue": _queue_position(request, document),
    }
    _review_at_speed(request, document, context)
    return context


def _review_at_speed(request: HttpRequest, document: Document, context: dict[str, Any]) -> None:
    """What the page's keyboard review needs beyond the form (static/js/review.js)."""
    reasons = {flag.field: flag.reasons for flag in flags.document_flags(document)}
    for node in walk(context["nodes"]):
        # Low confidence and required-and-empty are answered by typing a value (the page
        # updates its counts at once); another rule is checked again when the review is saved.
        node.rechecked_on_save = any(
            reason not in (flags.LOW_CONFIDENCE, REQUIRED) for reason in reasons.get(node.path, ())
        )
    last = request.session.get(LAST_APPROVED)
    if (
        request.GET.get("queue") == "1"
        and isinstance(last, dict)
        and last.get("url") != request.path
    ):
        context["last_approved"] = last
    # Approving a document of the review queue opens the next one (see document_review).
    context["approve_opens_next"] = (
        request.GET.get("queue") == "1" or context["needs_review"]
    ) and flags.review_queue(organization=document.organization).exclude(pk=document.pk).exists()


@org_view
def document_review(request: HttpRequest, extraction_id: str, document_id: str) -> HttpResponse:
    document = _document(request, extraction_id, document_id)
    ensure_results_available(document)
    if document.status != DocumentStatus.COMPLETED:
        return render(request, "extractions/not_ready.html", {"document": document}, status=409)
    if request.method != "POST":
        return render(request, "extractions/review.html", _context(request, document))

    schema = document.parser_version.schema if document.parser_version else {}
    action = request.POST.get("action")
    if action not in APPROVE_ACTIONS:
        # Approving is explicit (a button or its shortcut): a submission without one, such
        # as Enter in a field where the browser submits anyway, saves nothing.
        messages.error(request, "Nothing saved: press Approve to save your corrections.")
        return render(
            request,
            "extractions/review.html",
            _context(request, document, raw_post=request.POST),
            status=400,
        )
    # Opened from the queue, or in it: approving it opens the next one.
    from_queue = request.GET.get("queue") == "1" or flags.needs_review(document)
    try:
        if action == "mark":
            # An empty merge patch: reviewed, with no edit.
            output: Any = {} if target_of(document) == "per_doc" else document.output
        else:
            output = parse_form(
                schema=schema,
                target=target_of(document),
                post=request.POST,
                current=document.output,
            )
        before = DocumentEdit.objects.filter(document=document).count()
        saved = review_document(document=document, output=output, user=request.user)
    except FormErrors as exc:
        messages.error(request, "Some values need fixing: see the highlighted fields.")
        return render(
            request,
            "extractions/review.html",
            _context(request, document, errors=exc.errors, raw_post=request.POST),
            status=400,
        )
    except APIError as exc:
        if exc.code != "INVALID_PAYLOAD" or not exc.details.get("errors"):
            raise
        errors = {e["path"]: e["message"] for e in exc.details["errors"]}
        messages.error(request, "Some values do not fit the schema: see the highlighted fields.")
        return render(
            request,
            "extractions/review.html",
            _context(request, document, errors=errors, raw_post=request.POST),
            status=400,
        )
    changed = DocumentEdit.objects.filter(document=document).count() - before
    if changed:
        messages.success(
            request, f"Saved {changed} change{'s' if changed != 1 else ''}; marked as reviewed."
        )
    else:
        messages.success(request, "Marked as reviewed (no value changed).")
    if saved.rule_failures:
        n = saved.rule_failures
        messages.warning(
            request,
            f"{n} validation rule{'s' if n != 1 else ''} still fail{'' if n != 1 else 's'} on "
            "the saved values; they are recorded with the review.",
        )
    if from_queue:
        upcoming = flags.review_queue(organization=request.tenant.organization).first()
        if upcoming is not None:
            # The next page offers a way back to this one (a second look after approving).
            request.session[LAST_APPROVED] = {
                "url": reverse("web:document-review", args=[extraction_id, document_id]),
                "filename": document.filename,
            }
            return redirect(
                reverse(
                    "web:document-review", args=[upcoming.extraction.public_id, upcoming.public_id]
                )
                + "?queue=1"
            )
    if request.GET.get("queue") == "1":
        messages.info(request, "The review queue is empty. Well done!")
        return redirect("web:review-queue")
    return redirect("web:document-review", extraction_id=extraction_id, document_id=document_id)


@org_view
def page_image(
    request: HttpRequest, extraction_id: str, document_id: str, page: int
) -> HttpResponse:
    """The dashboard's twin of ``GET /v1/…/pages/{n}.png`` (session instead of API auth)."""
    return page_image_response(_document(request, extraction_id, document_id), page)


@org_view
def download_json(request: HttpRequest, extraction_id: str, document_id: str) -> HttpResponse:
    document = _document(request, extraction_id, document_id)
    body = json.dumps(document_result(document=document), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{exports.stem(document.filename)}.json"
    )
    return response


@org_view
def download_csv(request: HttpRequest, extraction_id: str, document_id: str) -> HttpResponse:
    document = _document(request, extraction_id, document_id)
    ensure_results_available(document)
    schema = document.parser_version.schema if document.parser_version else None
    header, rows = exports.csv_table(document.output, schema)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    # A BOM so that spreadsheet programs read UTF-8 correctly.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{exports.stem(document.filename)}.csv"
    )
    return response


@org_view
def review_queue(request: HttpRequest) -> HttpResponse:
    organization = request.tenant.organization
    documents = list(flags.review_queue(organization=organization)[:QUEUE_PAGE])
    for document in documents:
        document.threshold = flags.document_threshold(document)
        # From what the queue row holds (no output: flags in the confidences' order).
        document.flags = flags.flagged_values(
            confidence=document.confidence,
            validation=document.validation,
            threshold=document.threshold,
        )
    return render(
        request,
        "extractions/queue.html",
        {
            "documents": documents,
            "total": flags.review_queue(organization=organization).count(),
            "threshold": organization.review_confidence_threshold,
        },
    )


@require_POST
@org_view
def review_queue_start(request: HttpRequest) -> HttpResponse:
    first = flags.review_queue(organization=request.tenant.organization).first()
    if first is None:
        return redirect("web:review-queue")
    return redirect(
        reverse("web:document-review", args=[first.extraction.public_id, first.public_id])
        + "?queue=1"
    )


@org_view
def automation(request: HttpRequest) -> HttpResponse:
    """Per parser and period: how many documents went straight through, and the error rate
    of automatically accepted values measured on the reviewed samples."""
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    if days not in queries.AUTOMATION_PERIODS:
        days = 30
    rows = queries.automation_stats(organization=request.tenant.organization, days=days)
    return render(
        request,
        "extractions/automation.html",
        {"rows": rows, "days": days, "periods": queries.AUTOMATION_PERIODS},
    )
