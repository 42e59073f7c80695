from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone
from rest_framework import exceptions, serializers

from accounts.models import APIKey, KeyScope, Membership
from accounts.selectors import memberships_of
from accounts.tokens import issue_token_pair
from config.errors import APIError


class OrganizationTokenObtainSerializer(serializers.Serializer):
    """Email + password (+ organization when the user belongs to several) → JWT pair."""

    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    organization = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        user = authenticate(
            request=request, email=attrs["email"].lower(), password=attrs["password"]
        )
        if user is None or not user.is_active:
            if getattr(request, "axes_locked_out", False):  # set by django-axes' backend
                raise APIError(
                    "ACCOUNT_LOCKED",
                    "Too many failed sign-ins for this account; try again later.",
                    status_code=429,
                    headers={"Retry-After": str(int(settings.AXES_COOLOFF_TIME.total_seconds()))},
                )
            raise exceptions.AuthenticationFailed("No active account found with these credentials.")
        memberships = list(memberships_of(user=user))
        wanted = (attrs.get("organization") or "").strip()
        if wanted:
            chosen = [m for m in memberships if m.organization.public_id == wanted]
        else:
            chosen = memberships
        if not chosen:
            raise exceptions.AuthenticationFailed("You are not a member of that organization.")
        if len(chosen) > 1:
            raise serializers.ValidationError(
                {
                    "organization": [
                        "You belong to several organizations; pass one of: "
                        + ", ".join(m.organization.public_id for m in chosen)
                    ]
                }
            )
        membership: Membership = chosen[0]
        return {
            **issue_token_pair(membership=membership),
            "organization": membership.organization.public_id,
            "role": membership.role,
        }


class TokenPairSerializer(serializers.Serializer):
    refresh = serializers.CharField()
    access = serializers.CharField()
    organization = serializers.CharField()
    role = serializers.CharField()


class APIKeySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = APIKey
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "expires_at",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class APIKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(
        choices=KeyScope.choices,
        default=KeyScope.ADMIN,
        help_text="read: reads only; extract: also submits, uploads, reviews and cancels; "
        "admin: everything (parsers, webhooks, keys, billing). Defaults to admin, what every "
        "key could do before scopes.",
    )
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="After this the key is refused (401)."
    )

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value


class APIKeyCreatedSerializer(APIKeySerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once. Store it now.")

    class Meta(APIKeySerializer.Meta):
        fields = [*APIKeySerializer.Meta.fields, "secret"]
        read_only_fields = fields
