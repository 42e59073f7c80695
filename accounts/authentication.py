from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.models import APIKey, KeyScope, Membership, Role, hash_api_key
from accounts.tenancy import TenantContext

API_KEY_HEADER = "HTTP_X_API_KEY"
# Writing last_used_at on every request would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(seconds=60)


class APIKeyUser:
    """The principal of a request made with an API key (no person behind it)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: APIKey) -> None:
        self.api_key = api_key
        self.email = f"api-key:{api_key.prefix}"

    def __str__(self) -> str:
        return self.email


class APIKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[APIKeyUser, TenantContext] | None:
        secret = request.META.get(API_KEY_HEADER)
        if secret is None:
            return None
        secret = secret.strip()
        try:
            key = APIKey.objects.select_related("organization").get(
                hashed_secret=hash_api_key(secret), revoked_at__isnull=True
            )
        except APIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        now = timezone.now()
        if key.expires_at is not None and key.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                f"This API key expired at {key.expires_at.isoformat(timespec='seconds')}."
            )
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        # What the key may do is its scope (accounts.permissions); only an admin key manages.
        role = Role.ADMIN if key.scope == KeyScope.ADMIN else Role.MEMBER
        context = TenantContext(organization=key.organization, role=role, api_key=key)
        return APIKeyUser(key), context

    def authenticate_header(self, request: Any) -> str:
        return 'ApiKey realm="api"'


class OrganizationJWTAuthentication(JWTAuthentication):
    """simplejwt, plus the organization the token was issued for (claim ``org``)."""

    def authenticate(self, request: Any) -> tuple[Any, TenantContext] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        org_public_id = token.get("org")
        membership = (
            Membership.objects.select_related("organization")
            .filter(user=user, organization__public_id=org_public_id)
            .first()
        )
        if membership is None:
            raise exceptions.AuthenticationFailed(
                "This token's organization is no longer accessible to the user."
            )
        context = TenantContext(
            organization=membership.organization, role=membership.role, user=user, token=token
        )
        return user, context


class APIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.APIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}


class OrganizationJWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.OrganizationJWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
