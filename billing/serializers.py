"""Response and request shapes of the billing API. Money amounts are integers in the
currency's minor unit (cents), as in Stripe's API."""

from __future__ import annotations

from rest_framework import serializers

from billing.models import CreditLedgerEntry, CreditPack, LedgerKind, Payment


class CreditBalanceSerializer(serializers.Serializer):
    organization_id = serializers.CharField()
    balance = serializers.IntegerField(help_text="Credits available; 1 page = 1 credit.")
    currency_unit = serializers.CharField(default="credit")
    updated_at = serializers.DateTimeField(allow_null=True)
    topups_available = serializers.BooleanField(
        help_text="Whether credits can be bought online (Stripe configured on this server)."
    )


class LedgerEntrySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    kind = serializers.ChoiceField(choices=LedgerKind.choices)
    document_id = serializers.SerializerMethodField()
    extraction_id = serializers.SerializerMethodField()
    payment_id = serializers.SerializerMethodField()

    class Meta:
        model = CreditLedgerEntry
        fields = [
            "id",
            "kind",
            "delta",
            "balance_after",
            "reason",
            "document_id",
            "extraction_id",
            "payment_id",
            "created_at",
        ]
        read_only_fields = fields

    # Entries from billing.selectors.ledger_entries carry the ids annotated (no joins of whole
    # documents); others fall back to the relation.
    def get_document_id(self, entry: CreditLedgerEntry) -> str | None:
        return _cause_id(entry, "document")

    def get_extraction_id(self, entry: CreditLedgerEntry) -> str | None:
        return _cause_id(entry, "extraction")

    def get_payment_id(self, entry: CreditLedgerEntry) -> str | None:
        return _cause_id(entry, "payment")


def _cause_id(entry: CreditLedgerEntry, relation: str) -> str | None:
    if getattr(entry, f"{relation}_id") is None:
        return None
    annotated = getattr(entry, f"{relation}_public_id", None)
    return annotated if annotated is not None else getattr(entry, relation).public_id


class CreditPackSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    amount = serializers.IntegerField(source="price_cents", help_text="Price in minor units.")

    class Meta:
        model = CreditPack
        fields = ["id", "name", "credits", "amount", "currency"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    status = serializers.ChoiceField(choices=Payment.Status.choices)
    amount = serializers.IntegerField(source="amount_cents", help_text="Paid, in minor units.")
    amount_refunded = serializers.IntegerField(source="refunded_cents")
    pack_id = serializers.SerializerMethodField()
    pack_name = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "status",
            "amount",
            "currency",
            "credits",
            "amount_refunded",
            "credits_refunded",
            "pack_id",
            "pack_name",
            "stripe_checkout_session_id",
            "stripe_payment_intent_id",
            "created_at",
            "paid_at",
        ]
        read_only_fields = fields

    def get_pack_id(self, payment: Payment) -> str | None:
        return payment.pack.public_id if payment.pack_id else None

    def get_pack_name(self, payment: Payment) -> str | None:
        return payment.pack.name if payment.pack_id else None


class CheckoutRequestSerializer(serializers.Serializer):
    pack_id = serializers.CharField(max_length=40, help_text="A pack of GET /v1/billing/packs.")


class CheckoutResponseSerializer(serializers.Serializer):
    checkout_url = serializers.URLField(help_text="Send the customer here to pay.")
    session_id = serializers.CharField(help_text="The Stripe Checkout Session id (cs_…).")
    payment_id = serializers.CharField(help_text="The pending payment (pay_…).")


class WebhookAckSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    status = serializers.ChoiceField(choices=["received", "processed", "ignored", "failed"])
    duplicate = serializers.BooleanField()
