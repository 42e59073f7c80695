"""Every call to the ``stripe`` library goes through here.

Keeps the rest of the app free of Stripe objects: callers get plain dicts and dataclasses, and
Stripe's errors become our ``APIError`` codes. ``settings.STRIPE_API_BASE`` (tests only) points
the client at a local stand-in of Stripe's API.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings

from config.errors import APIError

logger = logging.getLogger(__name__)

# Stripe's own default: a signature dated further than this from our clock, in either
# direction, is refused (the library only checks the past: a future date would stay
# replayable until it comes).
SIGNATURE_TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE

# Transient network errors are retried by the library itself, with the idempotency key we pass,
# so a retried create can never open two sessions.
MAX_NETWORK_RETRIES = 2


class BillingNotConfigured(APIError):
    # Customers read this (the API, the billing page): the operator's side is in the log.
    status_code = 503
    default_code = "BILLING_NOT_CONFIGURED"
    default_detail = (
        "Online payments are not available on this server yet; contact support to add credits."
    )


OPERATOR_HINT = "Stripe is not configured: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET."


class PaymentProviderError(APIError):
    status_code = 502
    default_code = "PAYMENT_PROVIDER_ERROR"
    default_detail = "The payment provider could not be reached. Please try again in a minute."


class InvalidWebhookSignature(Exception):
    """The request is not a Stripe event signed with our endpoint secret."""


@dataclass(frozen=True, slots=True)
class CheckoutSessionData:
    id: str
    url: str
    payment_intent: str


def stripe_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def require_configured(*, for_operator: bool = False) -> None:
    """BillingNotConfigured without the Stripe keys; ``for_operator``: the message names them
    (the webhook, whose answers the operator reads in Stripe's dashboard)."""
    if not stripe_configured():
        logger.warning(OPERATOR_HINT)
        raise BillingNotConfigured(message=OPERATOR_HINT if for_operator else None)


def _client() -> stripe.StripeClient:
    base_addresses: dict[str, str] = {}
    if settings.STRIPE_API_BASE:
        base_addresses["api"] = settings.STRIPE_API_BASE.rstrip("/")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses or None,  # type: ignore[arg-type]
        max_network_retries=MAX_NETWORK_RETRIES,
    )


def create_checkout_session(*, params: dict[str, Any], idempotency_key: str) -> CheckoutSessionData:
    """POST /v1/checkout/sessions. Call outside any database transaction."""
    require_configured()
    try:
        session = _client().v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as exc:
        logger.warning("Stripe refused or failed a Checkout Session: %s", exc)
        raise PaymentProviderError(
            details={"provider_message": getattr(exc, "user_message", None) or ""}
        ) from exc
    data = session.to_dict()
    if not data.get("id") or not data.get("url"):
        raise PaymentProviderError(message="The payment provider returned no checkout URL.")
    payment_intent = data.get("payment_intent") or ""
    if isinstance(payment_intent, dict):  # expanded object
        payment_intent = payment_intent.get("id", "")
    return CheckoutSessionData(id=data["id"], url=data["url"], payment_intent=str(payment_intent))


def verify_webhook(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event as a plain dict, once ``Stripe-Signature`` proves Stripe sent ``payload`` with
    our endpoint secret, dated within ``SIGNATURE_TOLERANCE_SECONDS`` of now: not older (a
    replay) and not in the future (a replay kept for later)."""
    require_configured(for_operator=True)
    if not signature:
        raise InvalidWebhookSignature("Missing Stripe-Signature header.")
    try:
        stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, SIGNATURE_TOLERANCE_SECONDS
        )
        _refuse_future_timestamp(signature)
        event = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhookSignature(str(exc) or "Bad signature.") from exc
    except (ValueError, UnicodeDecodeError, IndexError, KeyError, TypeError) as exc:
        # Malformed header or body (construct_event parses both before/after verifying).
        raise InvalidWebhookSignature(f"Malformed webhook: {exc}") from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise InvalidWebhookSignature("The payload is not a Stripe event.")
    if not isinstance(event.get("type"), str) or not isinstance(event.get("data"), dict):
        raise InvalidWebhookSignature("The payload is not a Stripe event.")
    return event


def _refuse_future_timestamp(signature: str) -> None:
    """The check ``construct_event`` leaves out: a timestamp ahead of our clock by more than
    the tolerance (a verified header has exactly one ``t=``)."""
    stamps = [part[2:] for part in signature.split(",") if part.startswith("t=")]
    timestamp = int(stamps[0])
    if timestamp > time.time() + SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidWebhookSignature(
            f"Timestamp outside the tolerance zone ({timestamp}): in the future."
        )
