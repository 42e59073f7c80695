from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from billing.models import CreditAccount, CreditLedgerEntry, CreditPack, Payment, StripeEvent
from config.admin_tools import (
    EstimatedCountPaginator,
    ReadOnlyAdminMixin,
    SupportActionsMixin,
    pretty_json,
)


@admin.register(CreditLedgerEntry)
class CreditLedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "public_id",
        "created_at",
        "organization",
        "kind",
        "delta",
        "balance_after",
        "staff_user",
        "reason",
    )
    list_select_related = ("organization", "staff_user")
    list_filter = ("kind", "created_at")
    search_fields = ("public_id", "organization__name", "organization__public_id", "cause_key")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    raw_id_fields = (
        "organization",
        "document",
        "extraction",
        "stripe_event",
        "payment",
        "staff_user",
    )


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("organization", "balance", "updated_at")
    list_select_related = ("organization",)
    search_fields = ("organization__name", "organization__public_id")
    show_full_result_count = False


@admin.register(CreditPack)
class CreditPackAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "credits",
        "price_cents",
        "currency",
        "stripe_price_id",
        "active",
        "position",
    )
    list_editable = ("active", "position")
    readonly_fields = ("public_id",)

    # Prices are ledger-related settings: only superusers change them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StripeEvent)
class StripeEventAdmin(SupportActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "stripe_id",
        "type",
        "status",
        "organization",
        "received_at",
        "processed_at",
        "error",
    )
    list_select_related = ("organization",)
    list_filter = ("status", "type")
    search_fields = ("stripe_id", "organization__name", "organization__public_id")
    readonly_fields = ("payload_pretty",)
    exclude = ("payload",)
    actions = ("reprocess",)
    show_full_result_count = False

    @admin.display(description="Payload")
    def payload_pretty(self, obj: StripeEvent) -> str:
        return pretty_json(obj.payload)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Re-process selected events", permissions=["support"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet) -> None:
        from billing.webhooks import reprocess_stripe_event

        for event in queryset:
            try:
                reprocess_stripe_event(event=event)
            except Exception as exc:  # shown to the staff member; the event keeps its error
                self.message_user(request, f"{event.stripe_id}: {exc}", messages.ERROR)
        self.message_user(request, "Re-processing done; see each event's status.")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "public_id",
        "organization",
        "credits",
        "amount_cents",
        "currency",
        "status",
        "credits_refunded",
        "credits_unrecovered",
        "created_at",
    )
    list_select_related = ("organization", "pack")
    list_filter = ("status", "currency")
    search_fields = (
        "public_id",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "organization__name",
        "organization__public_id",
    )
    show_full_result_count = False
