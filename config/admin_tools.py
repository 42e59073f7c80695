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


SUPPORT_PERMISSION = "support.act"  # support.models.SupportAction's "act" permission


def is_support(request: HttpRequest) -> bool:
    """Staff who may act (the ``support.act`` permission: superusers, the "support" group);
    other staff see the admin read-only."""
    cached = getattr(request, "_pp_is_support", None)
    if cached is None:
        user = request.user
        cached = bool(user.is_active and user.is_staff and user.has_perm(SUPPORT_PERMISSION))
        request._pp_is_support = cached  # asked once per action per row otherwise
    return cached


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


class PublicIdFilter(admin.SimpleListFilter):
    """A text box filter ("org_…", "prs_…"): no query to list choices, unlike a related filter,
    which would scan the largest tables for distinct values."""

    template = "admin/pp_input_filter.html"
    lookup: str = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("", "")]  # the filter only renders when it has a choice

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = (self.value() or "").strip()
        return queryset.filter(**{self.lookup: value}) if value else queryset


class ChoicesFilter(admin.SimpleListFilter):
    """Fixed choices, for a column whose DISTINCT values would need a full scan."""

    fixed_choices: tuple[tuple[str, str], ...] = ()

    def lookups(self, request: HttpRequest, model_admin: Any) -> tuple[tuple[str, str], ...]:
        return self.fixed_choices

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset.filter(**{self.parameter_name: value}) if value else queryset


def bound_admin_view(model_admin: admin.ModelAdmin, view: Any) -> Any:
    """An extra admin page ``view(model_admin, request, **kwargs)`` behind the admin site's
    own checks (staff login, CSRF, never cached), for a ModelAdmin's ``get_urls``."""
    return model_admin.admin_site.admin_view(
        lambda request, **kwargs: view(model_admin, request, **kwargs)
    )
