from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from config.admin_tools import ReadOnlyAdminMixin
from extractions import flags
from support.models import DocumentToReview, SupportAction


class QueueOrganizationFilter(admin.SimpleListFilter):
    """The organizations that have documents waiting, with how many (one grouped query)."""

    title = "organization"
    parameter_name = "org"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = (
            DocumentToReview.objects.filter(flags.needs_review_q())
            .order_by()
            .values("organization__public_id", "organization__name")
            .annotate(n=Count("id"))
            .order_by("-n")[:100]
        )
        return [
            (r["organization__public_id"], f"{r['organization__name']} ({r['n']})") for r in rows
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(organization__public_id=value) if value else queryset


class AgeFilter(admin.SimpleListFilter):
    title = "waiting for"
    parameter_name = "age"
    AGES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "3d": timedelta(days=3)}
    AGES["7d"] = timedelta(days=7)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("1h", "more than an hour"),
            ("1d", "more than a day"),
            ("3d", "more than 3 days"),
            ("7d", "more than a week"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        age = self.AGES.get(self.value() or "")
        return queryset.filter(created_at__lte=timezone.now() - age) if age else queryset


@admin.register(DocumentToReview)
class DocumentToReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Documents that need a person, every organization, oldest first: the support queue.
    A row opens the document's review page (support.admin_review)."""

    list_display = ("document", "organization_name", "parser", "waiting", "flagged", "reviewer")
    list_filter = (QueueOrganizationFilter, AgeFilter)
    search_fields = ("public_id", "filename", "organization__public_id")
    list_display_links = None
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice: scans, not worth it

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .filter(flags.needs_review_q())
            .select_related("organization", "parser_version__parser")
            .only(
                "public_id",
                "filename",
                "created_at",
                "review_score",
                "rule_failures",
                "organization__name",
                "organization__public_id",
                "organization__review_confidence_threshold",
                "parser_version__parser__name",
                "parser_version__parser__review_confidence_threshold",
            )
            .order_by("created_at", "id")
        )

    @admin.display(description="Document")
    def document(self, obj: DocumentToReview) -> str:
        url = reverse("admin:extractions_document_review", args=[obj.pk])
        return format_html(
            '<a href="{}" data-testid="queue-document">{}</a><br><code>{}</code>',
            url,
            obj.filename,
            obj.public_id,
        )

    @admin.display(description="Organization", ordering="organization__name")
    def organization_name(self, obj: DocumentToReview) -> str:
        return format_html(
            "{}<br><code>{}</code>", obj.organization.name, obj.organization.public_id
        )

    @admin.display(description="Parser")
    def parser(self, obj: DocumentToReview) -> str:
        version = obj.parser_version
        return version.parser.name if version is not None else "—"

    @admin.display(description="Waiting for", ordering="created_at")
    def waiting(self, obj: DocumentToReview) -> str:
        return timesince(obj.created_at)

    @admin.display(description="Why")
    def flagged(self, obj: DocumentToReview) -> str:
        if obj.rule_failures:
            return f"{obj.rule_failures} failing rule(s)"
        if obj.review_score is not None and obj.review_score >= 0:
            return f"lowest confidence {obj.review_score:.0%}"
        return "flagged (duplicate or sample)"

    @admin.display(description="")
    def reviewer(self, obj: DocumentToReview) -> str:
        url = reverse("admin:extractions_document_review", args=[obj.pk])
        return format_html('<a class="button" href="{}">Review</a>', url)


@admin.register(SupportAction)
class SupportActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The support audit log: superusers only (support staff do not audit themselves)."""

    list_display = ("created_at", "staff_email", "kind", "organization", "target", "summary")
    list_select_related = ("organization",)
    list_filter = ("kind", "created_at")
    search_fields = ("staff_email", "target", "organization__public_id", "organization__name")
    readonly_fields = (
        "created_at",
        "staff_email",
        "kind",
        "organization",
        "target",
        "summary",
        "reason",
        "details",
    )
    exclude = ("staff_user",)
    show_full_result_count = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)
