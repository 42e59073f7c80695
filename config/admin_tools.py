"""Helpers shared by the admin modules of every app (support staff's console)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import format_html

SUPPORT_GROUP = "support"


def is_support(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or user.groups.filter(name=SUPPORT_GROUP).exists())
    )


def pretty_json(value: Any) -> str:
    if value in (None, "", [], {}):
        return "—"
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)
    return format_html(
        '<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>', text
    )


class EstimatedCountPaginator(Paginator):
    """Avoids a full-table COUNT on the largest tables: PostgreSQL's planner estimate when the
    changelist is unfiltered, an exact count otherwise (filtered sets are small and indexed)."""

    @cached_property
    def count(self) -> int:
        query = self.object_list.query
        if not query.where:
            from django.db import connection

            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                        [self.object_list.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] is not None and row[0] > 10_000:
                    return int(row[0])
        return super().count


class SupportActionsMixin:
    """Actions meant for support staff: allowed to superusers and the "support" group."""

    def has_support_permission(self, request: HttpRequest) -> bool:
        return is_support(request)


class ReadOnlyAdminMixin:
    """For money-related and append-only records: visible, never edited or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
