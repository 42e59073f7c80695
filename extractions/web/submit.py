"""The Extract page: drop files, see what it will cost, confirm.

1. Each dropped file is staged with ``extractions.files.services.stage_uploaded_file`` (the
   same code as ``POST /v1/files``): its type is checked by magic bytes and its pages counted
   with the engine's ``inspect_document``; an unsupported file is refused by name.
2. The quote uses the same pieces as the submission service (``resolve_target`` for the
   parser's tier multiplier, ``select_pages`` for the page selection).
3. Confirming calls ``submit_extraction(file_ids=…)`` — the API's service — which counts,
   charges (402 when the balance cannot pay) and queues the documents.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.web_tenancy import org_view
from billing.services import get_balance
from config.errors import APIError
from extractions import storage
from extractions.engine import file_input_accept, supported_formats
from extractions.files.selectors import staged_files_by_id
from extractions.files.services import stage_uploaded_file
from extractions.models import Extraction, StoredFile
from extractions.services import submit_extraction
from extractions.services.resolve import resolve_target
from extractions.services.uploads import select_pages, validate_page_spec
from parsers import selectors as parser_selectors


def _split_target(value: str) -> tuple[str | None, str | None]:
    """The form's one "run with" select holds a parser id or a classifier id."""
    value = (value or "").strip()
    if value.startswith("cls_"):
        return None, value
    return (value or None), None


def _staged(request: HttpRequest, file_ids: list[str]) -> list[StoredFile]:
    found = staged_files_by_id(organization=request.tenant.organization, file_ids=file_ids)
    return [found[f] for f in dict.fromkeys(file_ids) if f in found]


def _page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    organization = request.tenant.organization
    parsers = list(parser_selectors.list_parsers(organization=organization))
    classifiers = list(parser_selectors.list_classifiers(organization=organization))
    chosen = request.POST.get("target") or (
        request.GET.get("parser") or request.GET.get("classifier") or ""
    )
    if not chosen:
        configured = [p for p in parsers if p.current_version_id]
        chosen = configured[0].public_id if configured else ""
    return {
        "parsers": parsers,
        "classifiers": classifiers,
        "chosen": chosen,
        "pages": request.POST.get("pages", ""),
        "idempotency_key": request.POST.get("idempotency_key") or secrets.token_urlsafe(16),
        "staged": [],
        "supported_formats": supported_formats(),
        "file_input_accept": file_input_accept(),
        # Dropped files are staged, then submitted by id: the batch limit applies.
        "max_files": settings.PP_MAX_FILES_PER_BATCH,
        **extra,
    }


@org_view
def extract_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "extractions/extract.html", _page_context(request))
    file_ids = request.POST.getlist("file_ids")
    parser_id, classifier_id = _split_target(request.POST.get("target", ""))
    try:
        if not file_ids:
            raise APIError("INVALID_PAYLOAD", "Add at least one file to extract.")
        result = submit_extraction(
            organization=request.tenant.organization,
            actor=request.tenant.context(),
            parser_id=parser_id,
            classifier_id=classifier_id,
            file_ids=file_ids,
            pages=request.POST.get("pages", ""),
            idempotency_key=request.POST.get("idempotency_key") or None,
            source=Extraction.Source.DASHBOARD,
        )
    except APIError as exc:
        context = _page_context(
            request,
            staged=_staged(request, file_ids),
            problem={"code": exc.code, "message": exc.message, "details": exc.details},
        )
        return render(request, "extractions/extract.html", context, status=exc.status_code)
    return redirect("web:extraction-detail", extraction_id=result.extraction.public_id)


@require_POST
@org_view
def stage_file(request: HttpRequest) -> JsonResponse:
    """One dropped file → a staged file with its page count, or an error naming it."""
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse(
            {"error": {"code": "INVALID_PAYLOAD", "message": "No file was received."}}, status=400
        )
    try:
        digest = storage.digest(upload)
        stored = stage_uploaded_file(
            organization=request.tenant.organization, upload=upload, sha256=digest.sha256
        )
    except APIError as exc:
        message = exc.message
        if exc.code == "UNSUPPORTED_FILE_TYPE":
            message = f"{upload.name} is not a supported file: send a {supported_formats()} file."
        elif upload.name not in message:
            message = f"{upload.name}: {message}"
        return JsonResponse(
            {"error": {"code": exc.code, "message": message, "filename": upload.name}},
            status=exc.status_code,
        )
    return JsonResponse(
        {
            "file_id": stored.public_id,
            "filename": stored.filename,
            "page_count": stored.page_count,
            "media_type": stored.media_type,
            "size": stored.size,
        },
        status=201,
    )


@require_POST
@org_view
def quote(request: HttpRequest) -> HttpResponse:
    """The cost of the files listed in the form with the chosen parser, before confirming."""
    organization = request.tenant.organization
    file_ids = request.POST.getlist("file_ids")
    parser_id, classifier_id = _split_target(request.POST.get("target", ""))
    balance = get_balance(organization=organization)
    context: dict[str, Any] = {"balance": balance, "file_count": 0}
    try:
        if not (parser_id or classifier_id):
            raise APIError("INVALID_PAYLOAD", "Choose a parser or a classifier.")
        target = resolve_target(
            organization=organization, parser_id=parser_id, classifier_id=classifier_id
        )
        spec = validate_page_spec(request.POST.get("pages", "")) or target.default_pages
        files = _staged(request, file_ids)
        pages = 0
        for stored in files:
            pages += len(select_pages(spec, stored.page_count or 0))
        credits = pages * target.multiplier
        context.update(
            {
                "file_count": len(files),
                "page_count": pages,
                "credits": credits,
                "multiplier": target.multiplier,
                "enough": credits <= balance,
                "after": balance - credits,
                "classifier": target.classifier,
            }
        )
    except APIError as exc:
        context["problem"] = {"code": exc.code, "message": exc.message, "details": exc.details}
    return render(request, "extractions/quote.html", context)
