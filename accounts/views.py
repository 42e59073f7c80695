from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import selectors, services
from accounts.models import APIKey
from accounts.permissions import ADMIN, CanManageOrganization, scopes
from accounts.serializers import (
    APIKeyCreatedSerializer,
    APIKeyCreateSerializer,
    APIKeySerializer,
    OrganizationTokenObtainSerializer,
    TokenPairSerializer,
)
from accounts.tenancy import get_for_org, tenant_of
from accounts.tokens import OrganizationTokenRefreshSerializer
from config.openapi import JWT_ERROR, raises


class TokenObtainView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=OrganizationTokenObtainSerializer, responses=TokenPairSerializer)
    @raises("UNAUTHORIZED", "ACCOUNT_LOCKED")
    def post(self, request: Request) -> Response:
        serializer = OrganizationTokenObtainSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class TokenRefresh(TokenRefreshView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    serializer_class = OrganizationTokenRefreshSerializer

    # simplejwt's shape for a bad or blacklisted token; the envelope when its user left
    @raises(JWT_ERROR, "UNAUTHORIZED")
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class APIKeyListView(APIView):
    required_scopes = scopes(all=ADMIN)
    permission_classes = [CanManageOrganization]

    @extend_schema(responses=inline_serializer("APIKeyList", {"data": APIKeySerializer(many=True)}))
    def get(self, request: Request) -> Response:
        keys = selectors.api_keys_of(organization=tenant_of(request).organization)
        return Response({"data": APIKeySerializer(keys, many=True).data})

    @extend_schema(request=APIKeyCreateSerializer, responses={201: APIKeyCreatedSerializer})
    def post(self, request: Request) -> Response:
        tenant = tenant_of(request)
        payload = APIKeyCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        new_key = services.create_api_key(
            organization=tenant.organization,
            name=payload.validated_data["name"],
            created_by=tenant.user,
            scope=payload.validated_data["scope"],
            expires_at=payload.validated_data.get("expires_at"),
        )
        body = APIKeySerializer(new_key.api_key).data | {"secret": new_key.secret}
        return Response(body, status=status.HTTP_201_CREATED)


class APIKeyRevokeView(APIView):
    required_scopes = scopes(all=ADMIN)
    permission_classes = [CanManageOrganization]

    @extend_schema(request=None, responses=APIKeySerializer)
    def post(self, request: Request, key_id: str) -> Response:
        tenant = tenant_of(request)
        api_key = get_for_org(
            APIKey, tenant.organization, key_id, not_found_code="API_KEY_NOT_FOUND", label="API key"
        )
        services.revoke_api_key(api_key=api_key)
        return Response(APIKeySerializer(api_key).data)
