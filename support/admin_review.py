"""Support's review of a document in the admin: the page images with the cited boxes, the
form generated from the document's schema version (the dashboard's: ``review_state``), a
required reason, the edit history with "revert" for support's edits.

Wired into ``extractions.admin.DocumentAdmin`` (its URLs, its permissions). Staff who can view
documents see all of it; only those with ``support.act`` may POST (403 otherwise).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header

from config.errors import APIError
from extractions.models import Document, DocumentEdit, DocumentStatus
from extractions.web.review_form import FormErrors
from extractions.web.review_state import (
    SchemaErrors,
    document_form,
    page_image_response,
    submit_form,
)
from parsers.models import ParserVersion
from support import services

APPROVE_ACTIONS = ("approve", "mark")


def _document(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> Document:
    document = (
        Document.objects.select_related(
            "organization",
            "extraction",
            "extraction__parser",
            "parser_version__parser",
            "stored_file",
        )
        .filter(pk=object_id)
        .first()
        if str(object_id).isdigit()
        else None
    )
    if document is None:
        raise Http404("No such document.")
    if not model_admin.has_view_permission(request, document):
        raise PermissionDenied
    return document


def review_url(document: Document) -> str:
    return reverse("admin:extractions_document_review", args=[document.pk])


def _edits(document: Document) -> list[DocumentEdit]:
    return list(
        DocumentEdit.objects.filter(document=document)
        .select_related("user", "api_key", "staff_user")
        .order_by("-created_at", "-id")
    )


def _render(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    document: Document,
    *,
    errors: dict[str, str] | None = None,
    raw_post: Any = None,
    status: int = 200,
) -> TemplateResponse:
    ready = document.status == DocumentStatus.COMPLETED and document.results_purged_at is None
    field_errors = {k: v for k, v in (errors or {}).items() if k != "reason"}
    form = document_form(document, errors=field_errors, raw_post=raw_post) if ready else None
    context = {
        **model_admin.admin_site.each_context(request),
        **(form.context() if form is not None else {}),
        "title": f"Review {document.filename}",
        "opts": model_admin.model._meta,
        "original": document,
        "document": document,
        "ready": ready,
        "can_act": services.can_act(request.user),
        "edits": _edits(document),
        "reason": (raw_post or {}).get("reason", ""),
        "reason_error": (errors or {}).get("reason", ""),
    }
    if form is not None:
        context["pages"] = [
            {**page, "url": reverse("admin:extractions_document_page", args=[document.pk, n])}
            for page in context["pages"]
            for n in [page["number"]]
        ]
    return TemplateResponse(
        request, "admin/extractions/document/review.html", context, status=status
    )


def review_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> Any:
    document = _document(model_admin, request, object_id)
    if request.method != "POST":
        return _render(model_admin, request, document)
    if not services.can_act(request.user):
        raise PermissionDenied("Only support staff can correct a document.")
    action = request.POST.get("action")
    if action not in APPROVE_ACTIONS:
        messages.error(request, "Nothing saved: press Save correction to save.")
        return _render(model_admin, request, document, raw_post=request.POST, status=400)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, "Nothing saved: give the reason for this correction.")
        return _render(
            model_admin,
            request,
            document,
            errors={"reason": "A reason is required (the customer sees it in the history)."},
            raw_post=request.POST,
            status=400,
        )
    try:
        _saved, changed = submit_form(
            document=document,
            post=request.POST,
            mark_only=action == "mark",
            save=lambda output: services.support_review(
                document=document, output=output, staff_user=request.user, reason=reason
            ),
        )
    except FormErrors as exc:
        what = "do not fit the schema" if isinstance(exc, SchemaErrors) else "need fixing"
        messages.error(request, f"Nothing saved: some values {what} (see the fields).")
        return _render(
            model_admin,
            request,
            document,
            errors=exc.errors,
            raw_post=request.POST,
            status=400,
        )
    except APIError as exc:
        messages.error(request, f"Nothing saved: {exc.message}")
        return HttpResponseRedirect(review_url(document))
    messages.success(
        request,
        f"Saved {changed} change{'s' if changed != 1 else ''} as PerfectParser support; "
        "the document is reviewed."
        if changed
        else "Marked reviewed by PerfectParser support (no value changed).",
    )
    return HttpResponseRedirect(review_url(document))


def revert_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str, edit_id: int
) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    document = _document(model_admin, request, object_id)
    if not services.can_act(request.user):
        raise PermissionDenied("Only support staff can revert an edit.")
    edit = (
        DocumentEdit.objects.select_related("document").filter(pk=edit_id, document=document)
    ).first()
    if edit is None:
        raise Http404("No such edit.")
    try:
        services.revert_edit(
            edit=edit, staff_user=request.user, reason=request.POST.get("reason", "")
        )
    except APIError as exc:
        messages.error(request, f"Not reverted: {exc.message}")
    else:
        messages.success(request, f"Reverted {edit.path} (recorded as a support edit).")
    return HttpResponseRedirect(review_url(document) + "#history")


def page_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: int, page: int
) -> HttpResponse:
    """A page image for support (any organization; staff who may view documents)."""
    return page_image_response(_document(model_admin, request, object_id), page)


# --------------------------------------------------------------------------- #18: support tools


class DownloadForm(forms.Form):
    reason = forms.CharField(max_length=2000, help_text="Why you open the customer's file.")


class RerunForm(forms.Form):
    parser_version = forms.ModelChoiceField(queryset=ParserVersion.objects.none(), empty_label=None)
    charge = forms.BooleanField(
        required=False, initial=True, label="Charge its pages (untick for a free re-run)"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, document: Document, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = document.parser_version_id
        field = self.fields["parser_version"]
        if current is not None:
            # The versions of the document's parser (no schema loaded: only their numbers).
            field.queryset = (
                ParserVersion.objects.filter(parser__versions__pk=current)
                .only("id", "number", "parser_id")
                .order_by("-number")
            )
            field.initial = current
            field.label_from_instance = lambda v: (
                f"v{v.number}" + (" (this run's)" if v.pk == current else "")
            )


def tools_context(request: HttpRequest, document: Document) -> dict[str, Any]:
    """The support tools below the document's admin page."""
    return {
        "can_act": services.can_act(request.user),
        # Two forms on one page: their own element ids (both have a "reason").
        "download_form": DownloadForm(auto_id="download_%s"),
        "rerun_form": (
            RerunForm(document=document, auto_id="rerun_%s") if document.parser_version_id else None
        ),
    }


def original_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: int
) -> HttpResponse:
    """The customer's original file, for support (POST with a reason: it is audited)."""
    from extractions import storage

    document = _document(model_admin, request, object_id)
    if request.method != "POST" or not services.can_act(request.user):
        raise PermissionDenied("Only support staff can download a customer's file.")
    form = DownloadForm(request.POST)
    stored = document.stored_file
    if not form.is_valid():
        messages.error(request, "Not downloaded: give the reason.")
        return HttpResponseRedirect(_change_url(document))
    if stored is None or stored.purged_at is not None or not storage.exists(stored.storage_key):
        messages.error(request, "The original is no longer stored (retention).")
        return HttpResponseRedirect(_change_url(document))
    services.record_download(
        document=document, staff_user=request.user, reason=form.cleaned_data["reason"]
    )
    response = StreamingHttpResponse(
        storage.iter_stored(stored.storage_key),
        content_type=storage.safe_content_type(document.media_type),
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def rerun_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: int) -> HttpResponse:
    document = _document(model_admin, request, object_id)
    if request.method != "POST" or not services.can_act(request.user):
        raise PermissionDenied("Only support staff can re-run a document.")
    form = RerunForm(request.POST, document=document)
    if document.parser_version_id is None or not form.is_valid():
        errors = "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items())
        messages.error(request, f"Not re-run: {errors or 'this document has no parser version.'}")
        return HttpResponseRedirect(_change_url(document))
    try:
        queued = services.rerun(
            document=document,
            staff_user=request.user,
            reason=form.cleaned_data["reason"],
            parser_version=form.cleaned_data["parser_version"],
            charge=form.cleaned_data["charge"],
        )
    except APIError as exc:
        messages.error(request, f"Not re-run: {exc.message}")
    else:
        charged = (
            f"charged {queued.credits_used} credits" if form.cleaned_data["charge"] else "free"
        )
        messages.success(request, f"{document.public_id} is queued again ({charged}).")
    return HttpResponseRedirect(_change_url(document))


def _change_url(document: Document) -> str:
    return reverse("admin:extractions_document_change", args=[document.pk])
