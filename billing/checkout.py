"""Starting a top-up: a pending Payment, then a Stripe Checkout Session for it.

The Payment row is committed *before* Stripe is called (outside any transaction) so that its id
travels in the session's metadata and the webhook always finds it; Stripe's idempotency key is
derived from it so that the library's own network retries can never open two sessions.
Credits are only ever added by the webhook (billing.webhooks), never on the customer's return.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction

from accounts.models import Organization, User
from billing.models import CreditPack, Payment
from billing.stripe_gateway import (
    PaymentProviderError,
    create_checkout_session,
    require_configured,
)
from config.errors import NotFoundError

DASHBOARD_BILLING_PATH = "/billing/"


@dataclass(frozen=True, slots=True)
class CheckoutStarted:
    payment: Payment
    checkout_url: str
    session_id: str


def checkout_return_urls(*, payment: Payment) -> tuple[str, str]:
    """(success_url, cancel_url) on the dashboard's billing page."""
    base = settings.PUBLIC_BASE_URL.rstrip("/") + DASHBOARD_BILLING_PATH
    success = base + "?" + urlencode({"checkout": "success", "payment": payment.public_id})
    cancel = base + "?" + urlencode({"checkout": "cancelled", "payment": payment.public_id})
    return success, cancel


def checkout_session_params(
    *, organization: Organization, pack: CreditPack, payment: Payment, email: str | None = None
) -> dict[str, Any]:
    metadata = {
        "organization_id": organization.public_id,
        "pack_id": pack.public_id,
        "payment_id": payment.public_id,
    }
    if pack.stripe_price_id:
        line_item: dict[str, Any] = {"price": pack.stripe_price_id, "quantity": 1}
    else:
        line_item = {
            "price_data": {
                "currency": pack.currency.lower(),
                "unit_amount": pack.price_cents,
                "product_data": {"name": f"{pack.name}: {pack.credits:,} PerfectParser credits"},
            },
            "quantity": 1,
        }
    success_url, cancel_url = checkout_return_urls(payment=payment)
    params: dict[str, Any] = {
        "mode": "payment",
        "client_reference_id": organization.public_id,
        "metadata": metadata,
        # The charge carries the same metadata, so a refund can be traced back to the payment.
        "payment_intent_data": {"metadata": metadata},
        "line_items": [line_item],
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if email:
        params["customer_email"] = email
    return params


def start_checkout(
    *, organization: Organization, pack: CreditPack, created_by: User | None = None
) -> CheckoutStarted:
    """Record a pending Payment for ``pack`` and open a Stripe Checkout Session for it.

    Raises BillingNotConfigured (503), PACK_NOT_FOUND (404) for an inactive pack, and
    PaymentProviderError (502) when Stripe fails (the Payment is then marked failed)."""
    require_configured()
    if not pack.active:
        raise NotFoundError("PACK_NOT_FOUND", f"Credit pack {pack.public_id} not found.")
    with transaction.atomic():
        payment = Payment.objects.create(
            organization=organization,
            pack=pack,
            amount_cents=pack.price_cents,
            currency=pack.currency.lower(),
            credits=pack.credits,
            status=Payment.Status.PENDING,
            created_by=created_by,
        )
    params = checkout_session_params(
        organization=organization,
        pack=pack,
        payment=payment,
        email=created_by.email if created_by is not None else None,
    )
    try:
        session = create_checkout_session(
            params=params, idempotency_key=f"pp-checkout-{payment.public_id}"
        )
    except PaymentProviderError:
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.FAILED
        )
        raise
    # Conditional: the webhook may (in theory) have attached the session first.
    Payment.objects.filter(pk=payment.pk, stripe_checkout_session_id__isnull=True).update(
        stripe_checkout_session_id=session.id
    )
    if session.payment_intent:
        Payment.objects.filter(pk=payment.pk, stripe_payment_intent_id="").update(
            stripe_payment_intent_id=session.payment_intent
        )
    payment.refresh_from_db()
    return CheckoutStarted(payment=payment, checkout_url=session.url, session_id=session.id)
