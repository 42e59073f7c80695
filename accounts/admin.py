from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.admin_forms import AdjustCreditsForm, GrantCreditsForm
from accounts.models import APIKey, Invitation, Membership, Organization, User
from accounts.services import revoke_api_key
from billing.services import InsufficientCredits, adjust_credits, grant_credits
from config.admin_tools import ReadOnlyInline, SupportActionsMixin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)


class APIKeyInline(ReadOnlyInline):
    model = APIKey
    fields = ("name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields


# Public-id prefixes of objects support staff get asked about, and how they lead to the org.
_SEARCHABLE_PREFIXES = {
    "org_": "public_id",
    "ext_": "extractions__public_id",
    "doc_": "documents__public_id",
    "prs_": "parsers__public_id",
    "cls_": "classifiers__public_id",
    "key_": "api_keys__public_id",
    "file_": "files__public_id",
    "whk_": "webhooks__public_id",
    "pay_": "payments__public_id",
}


@admin.register(Organization)
class OrganizationAdmin(SupportActionsMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "public_id",
        "balance",
        "retention_hours",
        "max_concurrent_documents",
        "flagged_for_support",
        "created_at",
    )
    list_select_related = ("credit_account",)
    list_filter = ("flagged_for_support",)
    search_fields = ("name", "memberships__user__email")
    readonly_fields = ("public_id", "created_at", "balance")
    fields = (
        "name",
        "public_id",
        "balance",
        "retention_hours",
        "max_concurrent_documents",
        "review_confidence_threshold",
        "flagged_for_support",
        "support_note",
        "created_at",
    )
    inlines = (MembershipInline, APIKeyInline)
    actions = ("grant_credits_action", "adjust_credits_action")
    show_full_result_count = False

    @admin.display(description="Balance (credits)")
    def balance(self, obj: Organization) -> int:
        account = getattr(obj, "credit_account", None)
        return account.balance if account else 0

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        for prefix, lookup in _SEARCHABLE_PREFIXES.items():
            if term.startswith(prefix):
                return queryset.filter(Q(**{lookup: term})).distinct(), False
        return super().get_search_results(request, queryset, search_term)

    def _credits_action(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        form_class: type,
        title: str,
        action: str,
    ) -> HttpResponse | None:
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for organization in queryset:
                try:
                    if action == "grant_credits_action":
                        grant_credits(
                            organization=organization,
                            credits=form.cleaned_data["credits"],
                            reason=form.cleaned_data["reason"],
                            staff_user=request.user,
                        )
                    else:
                        adjust_credits(
                            organization=organization,
                            delta=form.cleaned_data["delta"],
                            reason=form.cleaned_data["reason"],
                            staff_user=request.user,
                        )
                    done += 1
                except InsufficientCredits as exc:
                    self.message_user(request, f"{organization}: {exc.message}", messages.ERROR)
            if done:
                self.message_user(request, f"Ledger updated for {done} organization(s).")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "organizations": queryset,
            "action": action,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/credits_action.html", context)

    @admin.action(description="Grant credits (with a reason)", permissions=["support"])
    def grant_credits_action(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._credits_action(
            request,
            queryset,
            form_class=GrantCreditsForm,
            title="Grant credits",
            action="grant_credits_action",
        )

    @admin.action(description="Adjust credits (with a reason)", permissions=["support"])
    def adjust_credits_action(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._credits_action(
            request,
            queryset,
            form_class=AdjustCreditsForm,
            title="Adjust credits",
            action="adjust_credits_action",
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Organizations own ledger entries: never deleted from the admin.
        return False


@admin.register(APIKey)
class APIKeyAdmin(SupportActionsMixin, admin.ModelAdmin):
    list_display = ("name", "prefix", "organization", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("organization",)
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "public_id", "organization__name")
    readonly_fields = (
        "public_id",
        "organization",
        "name",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("hashed_secret",)
    actions = ("revoke",)
    show_full_result_count = False

    @admin.action(description="Revoke selected API keys", permissions=["support"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        for api_key in queryset:
            revoke_api_key(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organization", "role", "created_at", "expires_at", "accepted_at")
    list_select_related = ("organization",)
    search_fields = ("email", "organization__name")
    readonly_fields = ("hashed_token",)
