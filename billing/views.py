from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ADMIN, READ, CanManageOrganization, scopes
from accounts.tenancy import tenant_of
from billing import selectors
from billing.checkout import start_checkout
from billing.serializers import (
    CheckoutRequestSerializer,
    CheckoutResponseSerializer,
    CreditBalanceSerializer,
    CreditPackSerializer,
    LedgerEntrySerializer,
    PaymentSerializer,
    WebhookAckSerializer,
)
from billing.stripe_gateway import InvalidWebhookSignature, require_configured, verify_webhook
from billing.webhooks import receive_stripe_event
from config.errors import APIError, error_body
from config.openapi import raises
from config.pagination import CreatedCursorPagination, paginate

PAGE_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The next_cursor of the previous page."),
    OpenApiParameter("limit", int, description="Items per page (1-100, default 20)."),
]


class CreditsView(APIView):
    required_scopes = scopes(get=READ)

    @extend_schema(responses=CreditBalanceSerializer, tags=["credits"])
    def get(self, request: Request) -> Response:
        organization = tenant_of(request).organization
        summary = selectors.credit_summary(organization=organization)
        body = {
            "organization_id": organization.public_id,
            "balance": summary.balance,
            "currency_unit": "credit",
            "updated_at": summary.updated_at,
            "topups_available": selectors.billing_configured(),
        }
        return Response(CreditBalanceSerializer(body).data)


class CreditLedgerView(APIView):
    required_scopes = scopes(get=READ)
    pagination_class = CreatedCursorPagination

    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses=LedgerEntrySerializer(many=True),
        tags=["credits"],
        description="Every change of the balance, newest first.",
    )
    def get(self, request: Request) -> Response:
        entries = selectors.ledger_entries(organization=tenant_of(request).organization)
        page, paginator = paginate(request, entries, view=self)
        return paginator.get_paginated_response(LedgerEntrySerializer(page, many=True).data)


class CreditPackListView(APIView):
    required_scopes = scopes(get=READ)

    @extend_schema(
        responses=inline_serializer(
            "CreditPackList",
            {
                "data": CreditPackSerializer(many=True),
                "next_cursor": serializers.CharField(allow_null=True),
            },
        ),
        tags=["billing"],
        description="Active credit packs (the same for every organization), in display order.",
    )
    def get(self, request: Request) -> Response:
        packs = selectors.active_packs()
        return Response({"data": CreditPackSerializer(packs, many=True).data, "next_cursor": None})


class PaymentListView(APIView):
    required_scopes = scopes(all=ADMIN)
    permission_classes = [CanManageOrganization]
    pagination_class = CreatedCursorPagination

    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses=PaymentSerializer(many=True),
        tags=["billing"],
        description="The organization's top-ups (owners and admins), newest first.",
    )
    def get(self, request: Request) -> Response:
        payments = selectors.payments_of(organization=tenant_of(request).organization)
        page, paginator = paginate(request, payments, view=self)
        return paginator.get_paginated_response(PaymentSerializer(page, many=True).data)


class CheckoutView(APIView):
    required_scopes = scopes(all=ADMIN)
    permission_classes = [CanManageOrganization]

    @extend_schema(
        request=CheckoutRequestSerializer,
        responses={201: CheckoutResponseSerializer},
        tags=["billing"],
        description=(
            "Open a Stripe Checkout Session for a credit pack. Credits are added when Stripe "
            "confirms the payment (webhook), not when the customer returns."
        ),
    )
    @raises("PACK_NOT_FOUND", "PAYMENT_PROVIDER_ERROR", "BILLING_NOT_CONFIGURED")
    def post(self, request: Request) -> Response:
        require_configured()
        tenant = tenant_of(request)
        payload = CheckoutRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pack = selectors.get_active_pack(pack_id=payload.validated_data["pack_id"])
        started = start_checkout(
            organization=tenant.organization, pack=pack, created_by=tenant.user
        )
        body = {
            "checkout_url": started.checkout_url,
            "session_id": started.session_id,
            "payment_id": started.payment.public_id,
        }
        return Response(CheckoutResponseSerializer(body).data, status=201)


class StripeWebhookView(APIView):
    """Stripe's calls. No authentication: the Stripe-Signature header is the proof."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: WebhookAckSerializer},
        auth=[{}],  # explicitly anonymous (overrides the global security)
        tags=["billing"],
        description="Stripe webhook endpoint (checkout.session.*, charge.refunded).",
    )
    @raises("INVALID_SIGNATURE", "EVENT_NOT_PROCESSED", "BILLING_NOT_CONFIGURED")
    def post(self, request: Request) -> Response:
        # The raw bytes: the signature covers them exactly, not a re-serialised parse.
        payload = request.body
        try:
            event_data = verify_webhook(
                payload=payload, signature=request.headers.get("Stripe-Signature")
            )
        except InvalidWebhookSignature as exc:
            raise APIError("INVALID_SIGNATURE", f"Webhook rejected: {exc}") from exc
        result = receive_stripe_event(event_data=event_data)
        if result.retry:
            return Response(
                error_body(
                    "EVENT_NOT_PROCESSED",
                    "The event was stored but could not be processed yet; deliver it again.",
                    {"event_id": result.event.stripe_id},
                ),
                status=500,
            )
        body = {"received": True, "status": result.event.status, "duplicate": result.duplicate}
        return Response(WebhookAckSerializer(body).data)
