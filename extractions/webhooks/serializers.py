from __future__ import annotations

from rest_framework import serializers

from extractions.models import WEBHOOK_EVENTS, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    events = serializers.ListField(child=serializers.CharField(), read_only=True)
    headers = serializers.DictField(child=serializers.CharField(), read_only=True)
    secret_hint = serializers.SerializerMethodField()

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "headers",
            "active",
            "secret_hint",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_secret_hint(self, obj: WebhookEndpoint) -> str:
        """Enough of the secret to tell which one a receiver has, never the secret."""
        return f"whsec_…{obj.secret[-4:]}"


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once: store it now.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointWriteSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WEBHOOK_EVENTS),
        required=False,
        default=list,
        help_text="Events to receive; empty means every event.",
    )
    headers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=dict,
        help_text="Custom headers sent with every delivery (e.g. an auth token).",
    )
    active = serializers.BooleanField(required=False, default=True)


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "duration_ms", "error"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    webhook_id = serializers.SerializerMethodField()
    extraction_id = serializers.SerializerMethodField()
    attempts = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook_id",
            "extraction_id",
            "event",
            "event_id",
            "url",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
            "payload",
            "attempts",
        ]
        read_only_fields = fields

    def get_webhook_id(self, obj: WebhookDelivery) -> str | None:
        return obj.endpoint.public_id if obj.endpoint_id else None

    def get_extraction_id(self, obj: WebhookDelivery) -> str | None:
        return obj.extraction.public_id if obj.extraction_id else None


class SigningSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True)
