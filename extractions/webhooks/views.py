"""``/v1/webhooks``: endpoints, their delivery log, re-sends. Owners and admins only."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ADMIN, CanManageOrganization, scopes
from accounts.tenancy import tenant_of
from config.openapi import raises
from config.pagination import CreatedCursorPagination, paginate
from extractions.webhooks import selectors, services, signing
from extractions.webhooks.serializers import (
    SigningSecretSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWriteSerializer,
)

_DELIVERY_FILTERS = [
    OpenApiParameter("status", str, description="pending, retrying, succeeded or failed"),
    OpenApiParameter("event", str, description="e.g. extraction.completed"),
    OpenApiParameter("extraction_id", str),
    OpenApiParameter("cursor", str),
    OpenApiParameter("limit", int),
]


class WebhookCollectionView(APIView):
    required_scopes = scopes(all=ADMIN)
    permission_classes = [CanManageOrganization]
    pagination_class = CreatedCursorPagination  # documents the list shape

    @extend_schema(operation_id="webhooks_list", responses=WebhookEndpointSerializer(many=True))
    def get(self, request: Request) -> Response:
        organization = tenant_of(request).organization
        page, paginator = paginate(
            request, selectors.endpoints_of(organization=organization), view=self
        )
        return paginator.get_paginated_response(WebhookEndpointSerializer(page, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        request=WebhookEndpointWriteSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
    )
    @raises("INVALID_WEBHOOK_URL", "WEBHOOK_LIMIT_REACHED")
    def post(self, request: Request) -> Response:
        organization = tenant_of(request).organization
        payload = WebhookEndpointWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        new = services.create_endpoint(
            organization=organization,
            url=data["url"],
            description=data["description"],
            events=data["events"],
            headers=data["headers"],
        )
        if not data["active"]:
            services.update_endpoint(endpoint=new.endpoint, active=False)
        body = WebhookEndpointSerializer(new.endpoint).data | {"secret": new.secret}
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    required_scopes = scopes(all=ADMIN)
    permission_classes = [CanManageOrganization]

    @extend_schema(operation_id="webhooks_retrieve", responses=WebhookEndpointSerializer)
    def get(self, request: Request, webhook_id: str) -> Response:
        organization = tenant_of(request).organization
        endpoint = selectors.get_endpoint(organization=organization, webhook_id=webhook_id)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_update",
        request=WebhookEndpointWriteSerializer(partial=True),
        responses=WebhookEndpointSerializer,
    )
    @raises("INVALID_WEBHOOK_URL")
    def patch(self, request: Request, webhook_id: str) -> Response:
        organization = tenant_of(request).organization
        endpoint = selectors.get_endpoint(organization=organization, webhook_id=webhook_id)
        payload = WebhookEndpointWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        endpoint = services.update_endpoint(endpoint=endpoint, **payload.validated_data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(operation_id="webhooks_destroy", responses={204: None})
    def delete(self, request: Request, webhook_id: str) -> Response:
        organization = tenant_of(request).organization
        endpoint = selectors.get_endpoint(organization=organization, webhook_id=webhook_id)
        services.delete_endpoint(endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretView(APIView):
    required_scopes = scopes(all=ADMIN)
    permission_classes = [CanManageOrganization]

    @extend_schema(
        operation_id="webhooks_rotate_secret",
        request=None,
        responses=WebhookEndpointCreatedSerializer,
    )
    def post(self, request: Request, webhook_id: str) -> Response:
        organization = tenant_of(request).organization
        endpoint = selectors.get_endpoint(organization=organization, webhook_id=webhook_id)
        new = services.rotate_secret(endpoint=endpoint)
        return Response(WebhookEndpointSerializer(new.endpoint).data | {"secret": new.secret})


def _delivery_page(request: Request, view: APIView, **scope: object) -> Response:
    organization = tenant_of(request).organization
    params = request.query_params
    qs = selectors.deliveries_of(
        organization=organization,
        status=params.get("status"),
        event=params.get("event"),
        extraction_public_id=params.get("extraction_id"),
        **scope,
    )
    page, paginator = paginate(request, qs, view=view)
    return paginator.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class WebhookDeliveryListView(APIView):
    required_scopes = scopes(all=ADMIN)
    permission_classes = [CanManageOrganization]
    pagination_class = CreatedCursorPagination  # documents the list shape

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        parameters=_DELIVERY_FILTERS,
        responses=WebhookDeliverySerializer(many=True),
    )
    def get(self, request: Request, webhook_id: str) -> Response:
        organization = tenant_of(request).organization
        endpoint = selectors.get_endpoint(organization=organization, webhook_id=webhook_id)
        return _delivery_page(request, self, endpoint=endpoint)


class WebhookDeliveryResendView(APIView):
    required_scopes = scopes(all=ADMIN)
    permission_classes = [CanManageOrganization]

    @extend_schema(
        operation_id="webhooks_deliveries_resend",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    def post(self, request: Request, webhook_id: str, delivery_id: str) -> Response:
        organization = tenant_of(request).organization
        endpoint = selectors.get_endpoint(organization=organization, webhook_id=webhook_id)
        delivery = selectors.get_delivery(
            organization=organization, delivery_id=delivery_id, endpoint=endpoint
        )
        delivery = services.resend_delivery(delivery=delivery)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class OrganizationDeliveryListView(APIView):
    """Every delivery of the organization, including those to per-extraction webhook URLs."""

    required_scopes = scopes(all=ADMIN)

    permission_classes = [CanManageOrganization]
    pagination_class = CreatedCursorPagination  # documents the list shape

    @extend_schema(
        operation_id="webhook_deliveries_list",
        parameters=_DELIVERY_FILTERS,
        responses=WebhookDeliverySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return _delivery_page(request, self)


class OrganizationDeliveryResendView(APIView):
    required_scopes = scopes(all=ADMIN)
    permission_classes = [CanManageOrganization]

    @extend_schema(
        operation_id="webhook_deliveries_resend",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    def post(self, request: Request, delivery_id: str) -> Response:
        organization = tenant_of(request).organization
        delivery = selectors.get_delivery(organization=organization, delivery_id=delivery_id)
        delivery = services.resend_delivery(delivery=delivery)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class SigningSecretView(APIView):
    """The secret that signs deliveries to per-extraction ``webhook_url``s."""

    required_scopes = scopes(all=ADMIN)

    permission_classes = [CanManageOrganization]

    @extend_schema(operation_id="webhooks_signing_secret", responses=SigningSecretSerializer)
    def get(self, request: Request) -> Response:
        organization = tenant_of(request).organization
        secret = signing.url_signing_secret(organization_public_id=organization.public_id)
        return Response({"secret": secret})
