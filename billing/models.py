from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Organization, TenantManager
from config.ids import new_led_id, new_pack_id, new_pay_id


class CreditAccount(models.Model):
    """The cached balance: always equal to the sum of the organization's ledger entries."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="credit_account"
    )
    balance = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="credit_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.balance}"


class LedgerKind(models.TextChoices):
    TOPUP = "topup", "Top-up"
    CHARGE = "charge", "Charge"
    REFUND = "refund", "Refund"
    GRANT = "grant", "Grant"
    ADJUSTMENT = "adjustment", "Adjustment"


class CreditLedgerEntry(models.Model):
    """Append-only: rows are never updated or deleted."""

    public_id = models.CharField(max_length=40, unique=True, default=new_led_id, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=16, choices=LedgerKind.choices)
    delta = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    # What caused the entry; at most one cause key per effect makes retries harmless
    # (e.g. "refund:doc_…" can only be written once).
    cause_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    document = models.ForeignKey(
        "extractions.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    extraction = models.ForeignKey(
        "extractions.Extraction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stripe_event = models.ForeignKey(
        "StripeEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment = models.ForeignKey(
        "Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger_entries"
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = TenantManager()

    class Meta:
        verbose_name_plural = "credit ledger entries"
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="ledger_org_recent")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_balance_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+d} ({self.organization})"


class CreditPack(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_pack_id, editable=False)
    name = models.CharField(max_length=100)
    credits = models.PositiveIntegerField()
    price_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    stripe_price_id = models.CharField(max_length=100, blank=True, default="")
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "credits"]

    def __str__(self) -> str:
        return f"{self.name} ({self.credits} credits)"


class StripeEvent(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    stripe_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True, default="")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How many times processing ran (deliveries of a failed event and staff re-processing).
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "-received_at"], name="stripe_event_status")]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"
        # The Checkout Session could not be created, or its payment failed.
        FAILED = "failed", "Failed"
        # The customer never paid and Stripe expired the Checkout Session.
        EXPIRED = "expired", "Expired"

    public_id = models.CharField(max_length=40, unique=True, default=new_pay_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="payments"
    )
    pack = models.ForeignKey(CreditPack, null=True, blank=True, on_delete=models.SET_NULL)
    # Null only between recording the payment and Stripe answering with the session: the row is
    # written first so that its id can travel in the session's metadata.
    stripe_checkout_session_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True
    )
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, default="")
    amount_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="usd")
    credits = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    refunded_cents = models.PositiveIntegerField(default=0)
    credits_refunded = models.PositiveIntegerField(default=0)
    credits_unrecovered = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="payment_org_recent"),
            models.Index(fields=["stripe_payment_intent_id"], name="payment_intent"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.credits} credits"
