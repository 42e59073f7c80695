from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from config.admin_tools import ReadOnlyInline, pretty_json
from parsers.models import Classifier, ClassifierLabel, Parser, ParserVersion


class ParserVersionInline(ReadOnlyInline):
    model = ParserVersion
    fields = ("number", "created_by", "created_at")
    readonly_fields = fields
    ordering = ("-number",)


@admin.register(Parser)
class ParserAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "public_id",
        "organization",
        "current_version_number",
        "extraction_target",
        "tier",
        "archived_at",
        "created_at",
    )
    list_select_related = ("organization", "current_version")
    list_filter = ("extraction_target", "archived_at")
    search_fields = ("name", "public_id", "organization__name", "organization__public_id")
    readonly_fields = (
        "public_id",
        "organization",
        "current_version",
        "created_by",
        "created_at",
        "updated_at",
        "current_schema",
    )
    inlines = (ParserVersionInline,)
    show_full_result_count = False

    @admin.display(description="Version")
    def current_version_number(self, obj: Parser) -> int | None:
        return obj.current_version.number if obj.current_version else None

    @admin.display(description="Current schema")
    def current_schema(self, obj: Parser) -> str:
        return pretty_json(obj.current_version.schema if obj.current_version else None)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ParserVersion)
class ParserVersionAdmin(SimpleHistoryAdmin):
    """Versions are immutable: a read-only schema view."""

    list_display = ("parser", "number", "organization_name", "created_by", "created_at")
    list_select_related = ("parser__organization", "created_by")
    search_fields = ("parser__name", "parser__public_id")
    readonly_fields = ("parser", "number", "schema_pretty", "created_by", "created_at")
    exclude = ("schema",)
    show_full_result_count = False

    @admin.display(description="Organization")
    def organization_name(self, obj: ParserVersion) -> str:
        return obj.parser.organization.name

    @admin.display(description="Schema")
    def schema_pretty(self, obj: ParserVersion) -> str:
        return pretty_json(obj.schema)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ClassifierLabelInline(ReadOnlyInline):
    model = ClassifierLabel
    fields = ("name", "description", "keywords", "parser", "position")
    readonly_fields = fields
    show_change_link = False


@admin.register(Classifier)
class ClassifierAdmin(SimpleHistoryAdmin):
    list_display = ("name", "public_id", "organization", "threshold", "archived_at", "created_at")
    list_select_related = ("organization",)
    list_filter = ("archived_at",)
    search_fields = ("name", "public_id", "organization__name", "organization__public_id")
    readonly_fields = ("public_id", "organization", "created_by", "created_at", "updated_at")
    inlines = (ClassifierLabelInline,)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
