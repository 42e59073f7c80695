from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from config.admin_tools import (
    ChoicesFilter,
    EstimatedCountPaginator,
    PublicIdFilter,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    SupportActionsMixin,
    bound_admin_view,
    pretty_json,
)
from config.errors import APIError
from extractions import flags
from extractions.models import (
    Document,
    DocumentEdit,
    Extraction,
    StoredFile,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from extractions.services.lifecycle import cancel_extraction
from support import services as support_services


class OrganizationFilter(PublicIdFilter):
    title = "organization (org_…)"
    parameter_name = "org"
    lookup = "organization__public_id"


class ParserFilter(PublicIdFilter):
    title = "parser (prs_…)"
    parameter_name = "parser"
    lookup = "extraction__parser__public_id"


class ErrorCodeFilter(ChoicesFilter):
    title = "error code"
    parameter_name = "error_code"
    fixed_choices = tuple(
        (code, code)
        for code in (
            "unsupported_input",
            "document_too_large",
            "document_malformed",
            "page_limit_exceeded",
            "encrypted_document",
            "extraction_failed",
            "ocr_error",
            "payment_required",
            "classification_failed",
            "upload_missing",
            "internal_error",
        )
    )


class NeedsReviewFilter(admin.SimpleListFilter):
    """The review queue across organizations (extractions.flags: a flagged value)."""

    title = "review"
    parameter_name = "needs_review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> tuple[tuple[str, str], ...]:
        return (("yes", "Needs review (a flagged value)"), ("reviewed", "Reviewed"))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(flags.needs_review_q())
        if self.value() == "reviewed":
            return queryset.filter(reviewed=True)
        return queryset


class DuplicateFilter(admin.SimpleListFilter):
    title = "duplicate"
    parameter_name = "duplicate"

    def lookups(self, request: HttpRequest, model_admin: Any) -> tuple[tuple[str, str], ...]:
        return (("yes", "Duplicate of an earlier document"),)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(duplicate_of__isnull=False)
        return queryset


class RefundForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _report(
    admin_obj: admin.ModelAdmin, request: HttpRequest, done: int, errors: list[str]
) -> None:
    for error in errors:
        admin_obj.message_user(request, error, messages.ERROR)
    if done:
        admin_obj.message_user(request, f"Done for {done} item(s).")


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ("public_id", "filename", "status", "step", "page_count", "credits_used", "error_code")
    readonly_fields = fields
    ordering = ("position",)


@admin.register(Extraction)
class ExtractionAdmin(SupportActionsMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "public_id",
        "organization",
        "parser",
        "status",
        "source",
        "file_count",
        "page_count",
        "credits_used",
        "created_at",
    )
    list_select_related = ("organization", "parser")
    list_filter = ("status", "source", "created_at")
    search_fields = ("public_id", "idempotency_key", "organization__public_id", "parser__public_id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    readonly_fields = ("options_pretty", "metadata_pretty")
    exclude = ("options", "metadata", "response_body")
    raw_id_fields = (
        "organization",
        "parser",
        "parser_version",
        "classifier",
        "created_by",
        "api_key",
    )
    inlines = (DocumentInline,)
    actions = ("cancel",)

    @admin.display(description="Options")
    def options_pretty(self, obj: Extraction) -> str:
        return pretty_json(obj.options)

    @admin.display(description="Metadata")
    def metadata_pretty(self, obj: Extraction) -> str:
        return pretty_json(obj.metadata)

    @admin.action(description="Cancel queued documents (refunds them)", permissions=["support"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> None:
        for extraction in queryset:
            cancel_extraction(extraction=extraction)
        self.message_user(
            request, f"Cancelled the queued documents of {queryset.count()} extraction(s)."
        )


class DocumentEditInline(ReadOnlyInline):
    """Who (a customer's user, an API key, or support), before → after, when and why. Support's
    edits are reverted from the document's review page (the "Review" button)."""

    model = DocumentEdit
    fields = ("created_at", "who", "path", "before", "after", "reason", "revert")
    readonly_fields = fields
    show_change_link = False

    @admin.display(description="")
    def revert(self, obj: DocumentEdit) -> str:
        if obj.staff_user_id is None:
            return ""
        url = reverse("admin:extractions_document_review", args=[obj.document_id])
        return format_html('<a href="{}#history">Revert…</a>', url)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user", "api_key", "staff_user")

    @admin.display(description="Who")
    def who(self, obj: DocumentEdit) -> str:
        if obj.staff_user_id is not None:
            email = obj.staff_user.email if obj.staff_user else "deleted staff account"
            return f"PerfectParser support ({email})"
        if obj.user_id is not None:
            return obj.user.email
        if obj.api_key_id is not None:
            return f"API key {obj.api_key.prefix}…"
        return "unknown"


@admin.register(Document)
class DocumentAdmin(SupportActionsMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "public_id",
        "filename",
        "organization",
        "extraction",
        "status",
        "step",
        "error_code",
        "page_count",
        "credits_used",
        "refunded_credits",
        "created_at",
    )
    list_select_related = ("organization", "extraction")
    list_filter = (
        "status",
        NeedsReviewFilter,
        "triage",
        "review_source",
        DuplicateFilter,
        ErrorCodeFilter,
        OrganizationFilter,
        ParserFilter,
        "created_at",
    )
    search_fields = (
        "public_id",
        "filename",
        "sha256",
        "extraction__public_id",
        "organization__public_id",
    )
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    raw_id_fields = (
        "organization",
        "extraction",
        "stored_file",
        "parser_version",
        "reviewed_by",
        "duplicate_of",
    )
    readonly_fields = (
        "flagged_values",
        "validation_pretty",
        "output_pretty",
        "initial_output_pretty",
        "citations_pretty",
        "confidence_pretty",
        "steps_pretty",
        "classifier_result_pretty",
    )
    exclude = (
        "content",
        "pages",
        "images",
        "initial_output",
        "reviewed_output",
        "citations",
        "confidence",
        "steps",
        "classifier_result",
        "validation",
    )
    inlines = (DocumentEditInline,)
    actions = ("rerun", "refund")
    change_form_template = "admin/extractions/document/change_form.html"

    def get_urls(self) -> list[Any]:
        # Support's review (support.admin_review): the form, page images, reverts.
        from support import admin_review

        def wrap(view: Any) -> Any:
            return bound_admin_view(self, view)

        return [
            path(
                "<int:object_id>/review/",
                wrap(admin_review.review_view),
                name="extractions_document_review",
            ),
            path(
                "<int:object_id>/page/<int:page>.png",
                wrap(admin_review.page_view),
                name="extractions_document_page",
            ),
            path(
                "<int:object_id>/edits/<int:edit_id>/revert/",
                wrap(admin_review.revert_view),
                name="extractions_document_revert",
            ),
            path(
                "<int:object_id>/original/",
                wrap(admin_review.original_view),
                name="extractions_document_original",
            ),
            path(
                "<int:object_id>/rerun/",
                wrap(admin_review.rerun_view),
                name="extractions_document_support_rerun",
            ),
            *super().get_urls(),
        ]

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        cached = getattr(request, "_pp_document", None)
        if cached is not None and from_field is None and str(cached.pk) == str(object_id):
            return cached
        return super().get_object(request, object_id, from_field)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        from support import admin_review

        document = self.get_object(request, object_id)
        request._pp_document = document  # get_object again (the admin's view) reuses it
        extra = dict(extra_context or {})
        if document is not None:
            extra.update(admin_review.tools_context(request, document))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    @admin.display(description="Flagged values")
    def flagged_values(self, obj: Document) -> str:
        found = flags.document_flags(obj)
        if not found:
            return "None"
        return format_html_join(
            mark_safe("<br>"), "{}: {}", ((f.field, "; ".join(f.messages)) for f in found)
        )

    @admin.display(description="Validation rules")
    def validation_pretty(self, obj: Document) -> str:
        return pretty_json(obj.validation)

    @admin.display(description="Result (reviewed if reviewed)")
    def output_pretty(self, obj: Document) -> str:
        return pretty_json(obj.output)

    @admin.display(description="Initial output")
    def initial_output_pretty(self, obj: Document) -> str:
        return pretty_json(obj.initial_output)

    @admin.display(description="Citations")
    def citations_pretty(self, obj: Document) -> str:
        return pretty_json(obj.citations)

    @admin.display(description="Confidence")
    def confidence_pretty(self, obj: Document) -> str:
        return pretty_json(obj.confidence)

    @admin.display(description="Steps")
    def steps_pretty(self, obj: Document) -> str:
        return pretty_json(obj.steps)

    @admin.display(description="Classifier result")
    def classifier_result_pretty(self, obj: Document) -> str:
        return pretty_json(obj.classifier_result)

    @admin.action(
        description="Re-run failed documents (charges their pages again)", permissions=["support"]
    )
    def rerun(self, request: HttpRequest, queryset: QuerySet) -> None:
        done, errors = 0, []
        for document in queryset:
            try:
                support_services.rerun_failed(document=document, staff_user=request.user)
                done += 1
            except APIError as exc:
                errors.append(f"{document.public_id}: {exc.message}")
        _report(self, request, done, errors)

    @admin.action(description="Refund documents (once, with a reason)", permissions=["support"])
    def refund(self, request: HttpRequest, queryset: QuerySet) -> Any:
        form = RefundForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, errors = 0, []
            for document in queryset:
                try:
                    support_services.refund(
                        document=document,
                        staff_user=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except APIError as exc:
                    errors.append(f"{document.public_id}: {exc.message}")
            _report(self, request, done, errors)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Refund documents",
            "form": form,
            "objects": queryset,
            "action": "refund",
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/extractions/refund_action.html", context)


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "public_id",
        "filename",
        "organization",
        "kind",
        "upload_status",
        "size",
        "media_type",
        "page_count",
        "created_at",
        "expires_at",
        "purged_at",
    )
    list_select_related = ("organization",)
    list_filter = ("kind", "upload_status")
    search_fields = ("public_id", "filename", "sha256", "organization__public_id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("public_id", "url", "organization", "active", "created_at")
    list_select_related = ("organization",)
    list_filter = ("active",)
    search_fields = ("public_id", "url", "organization__public_id", "organization__name")
    exclude = ("secret",)
    readonly_fields = ("public_id", "organization", "created_at", "updated_at")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ("attempted_at", "status_code", "duration_ms", "error")
    readonly_fields = fields
    show_change_link = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SupportActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "public_id",
        "event",
        "url",
        "organization",
        "status",
        "last_status_code",
        "attempt_count",
        "created_at",
        "delivered_at",
    )
    list_select_related = ("organization",)
    list_filter = ("status", "event")
    search_fields = ("public_id", "event_id", "url", "organization__public_id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    readonly_fields = ("payload_pretty",)
    exclude = ("payload",)
    raw_id_fields = ("organization", "endpoint", "extraction")
    inlines = (WebhookAttemptInline,)
    actions = ("resend",)

    @admin.display(description="Payload")
    def payload_pretty(self, obj: WebhookDelivery) -> str:
        return pretty_json(obj.payload)

    @admin.action(description="Re-send selected deliveries", permissions=["support"])
    def resend(self, request: HttpRequest, queryset: QuerySet) -> None:
        from extractions.webhooks.services import resend_delivery

        done, errors = 0, []
        for delivery in queryset:
            try:
                resend_delivery(delivery=delivery)
                done += 1
            except APIError as exc:
                errors.append(f"{delivery.public_id}: {exc.message}")
        _report(self, request, done, errors)
