from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from accounts.admin_forms import AdjustCreditsForm, GrantCreditsForm
from accounts.models import APIKey, Invitation, Membership, Organization, Role, User
from accounts.selectors import organizations_only_owned_by
from accounts.services import (
    add_member,
    change_member_role,
    delete_user,
    remove_member,
    revoke_api_key,
)
from config.admin_tools import ReadOnlyInline, SupportActionsMixin, bound_admin_view
from config.errors import APIError
from support import admin_organization
from support import services as support_services


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

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, ...]:
        # The only owner of an organization cannot be deleted: the confirmation page lists
        # why (as Django lists protected objects) and offers no "Yes".
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for user in objs:
            for organization in organizations_only_owned_by(user=user):
                protected.append(
                    f"{user.email} is the only owner of {organization.name} "
                    f"({organization.public_id}): make someone else owner first"
                )
        return to_delete, model_count, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        delete_user(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            for user in queryset:
                delete_user(user=user)


class MembershipFormSet(BaseInlineFormSet):
    """Members edited in the organization's page, through the accounts services, so the
    last-owner rule holds here as everywhere: a save that would leave the organization
    without an owner (a deleted row, a changed role) is refused at the form; the services
    refuse it again under lock if another change raced it."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept_roles = []
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue  # an empty extra row
            if self._should_delete_form(form):
                continue
            if form.instance.pk is not None and "user" in form.changed_data:
                raise ValidationError(
                    "A membership's person cannot be changed: remove it and add another."
                )
            kept_roles.append(form.cleaned_data.get("role"))
        if self.instance.pk is not None and Role.OWNER not in kept_roles:
            raise ValidationError(
                "An organization must keep at least one owner: make someone else owner first."
            )

    def save(self, commit: bool = True) -> list[Membership]:
        # Grants before removals, so handing ownership over in one save never passes through
        # an organization without an owner.
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        for form in self.extra_forms:
            if form.has_changed() and not self._should_delete_form(form):
                self.new_objects.append(
                    add_member(
                        organization=self.instance,
                        user=form.cleaned_data["user"],
                        role=form.cleaned_data["role"],
                    )
                )
        deleted = [f for f in self.initial_forms if self._should_delete_form(f)]
        changed = [f for f in self.initial_forms if f not in deleted and "role" in f.changed_data]
        for form in sorted(changed, key=lambda f: f.cleaned_data["role"] != Role.OWNER):
            # The form wrote the new role on its instance: the service reads the stored one.
            stored = Membership.objects.get(pk=form.instance.pk)
            self.changed_objects.append(
                (change_member_role(membership=stored, role=form.cleaned_data["role"]), ["role"])
            )
        for form in deleted:
            stored = Membership.objects.get(pk=form.instance.pk)
            remove_member(membership=stored)
            self.deleted_objects.append(stored)
        return self.new_objects + [membership for membership, _ in self.changed_objects]


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
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
    readonly_fields = (
        "public_id",
        "created_at",
        "balance",
        "ledger_recent",
        "extractions_recent",
        "support_recent",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
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
            },
        ),
        ("Credit ledger (latest)", {"fields": ("ledger_recent",)}),
        ("Recent extractions", {"fields": ("extractions_recent",)}),
        ("Support activity (latest)", {"fields": ("support_recent",)}),
    )
    inlines = (MembershipInline, APIKeyInline)
    actions = ("grant_credits_action", "adjust_credits_action")
    show_full_result_count = False
    # Grant/adjust credits and "view as customer" forms below the page's own form.
    change_form_template = "admin/accounts/organization/change_form.html"

    ledger_recent = admin.display(description="Ledger")(admin_organization.ledger_recent)
    extractions_recent = admin.display(description="Extractions")(
        admin_organization.extractions_recent
    )
    support_recent = admin.display(description="Support")(admin_organization.support_recent)

    def get_urls(self) -> list[Any]:
        def wrap(view: Any) -> Any:
            return bound_admin_view(self, view)

        return [
            path(
                "<int:object_id>/credits/",
                wrap(admin_organization.credits_view),
                name="accounts_organization_credits",
            ),
            path(
                "view-as/stop/",
                wrap(admin_organization.stop_view_as_view),
                name="accounts_organization_stop_view_as",
            ),
            path(
                "<int:object_id>/view-as/",
                wrap(admin_organization.view_as_view),
                name="accounts_organization_view_as",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = {**(extra_context or {}), **admin_organization.page_context(request)}
        return super().change_view(request, object_id, form_url, extra_context=extra)

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
                grant = action == "grant_credits_action"
                try:
                    support_services.change_credits(
                        organization=organization,
                        staff_user=request.user,
                        delta=form.cleaned_data["credits" if grant else "delta"],
                        reason=form.cleaned_data["reason"],
                        grant=grant,
                    )
                    done += 1
                except APIError as exc:
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
    list_display = (
        "name",
        "prefix",
        "organization",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_select_related = ("organization",)
    list_filter = ("scope", "revoked_at")
    search_fields = ("name", "prefix", "public_id", "organization__name")
    readonly_fields = (
        "public_id",
        "organization",
        "name",
        "prefix",
        "scope",
        "expires_at",
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
