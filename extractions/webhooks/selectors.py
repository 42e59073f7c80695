"""Reading webhook endpoints and deliveries (always scoped to one organization)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import Organization
from accounts.tenancy import get_for_org
from config.errors import APIError
from extractions.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoints_of(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_org(organization)


def get_endpoint(*, organization: Organization, webhook_id: str) -> WebhookEndpoint:
    return get_for_org(
        WebhookEndpoint,
        organization,
        webhook_id,
        not_found_code="WEBHOOK_NOT_FOUND",
        label="Webhook",
    )


def deliveries_of(
    *,
    organization: Organization,
    endpoint: WebhookEndpoint | None = None,
    status: str | None = None,
    event: str | None = None,
    extraction_public_id: str | None = None,
) -> QuerySet[WebhookDelivery]:
    qs = (
        WebhookDelivery.objects.for_org(organization)
        .select_related("endpoint", "extraction")
        .prefetch_related(
            Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("attempted_at", "id"))
        )
    )
    if endpoint is not None:
        qs = qs.filter(endpoint=endpoint)
    if status:
        if status not in WebhookDelivery.Status.values:
            raise APIError(
                "INVALID_PAYLOAD",
                f"status: one of {', '.join(WebhookDelivery.Status.values)}.",
            )
        qs = qs.filter(status=status)
    if event:
        qs = qs.filter(event=event)
    if extraction_public_id:
        qs = qs.filter(extraction__public_id=extraction_public_id)
    return qs


def get_delivery(
    *,
    organization: Organization,
    delivery_id: str,
    endpoint: WebhookEndpoint | None = None,
) -> WebhookDelivery:
    qs = deliveries_of(organization=organization, endpoint=endpoint)
    return get_for_org(
        qs,
        organization,
        delivery_id,
        not_found_code="WEBHOOK_DELIVERY_NOT_FOUND",
        label="Webhook delivery",
    )
