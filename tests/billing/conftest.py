"""Billing fixtures. Stripe is faked here because its API cannot be reached from our machines:
see stripe_fakes.py for what the stand-ins do and why they are faithful enough."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from billing.models import CreditPack
from tests.billing.stripe_fakes import FakeStripeAPI, sign_payload

WEBHOOK_SECRET = "whsec_test_" + "k" * 32
SECRET_KEY = "sk_test_" + "s" * 32
WEBHOOK_URL = "/v1/billing/stripe/webhook"


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripeAPI]:
    server = FakeStripeAPI().start()
    yield server
    server.stop()


@pytest.fixture
def stripe_on(settings, fake_stripe: FakeStripeAPI) -> FakeStripeAPI:
    """Stripe configured, its API pointed at the local stand-in."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_stripe.url
    settings.PUBLIC_BASE_URL = "https://app.perfectparser.test"
    return fake_stripe


@pytest.fixture
def stripe_off(settings) -> None:
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""


@pytest.fixture
def pack(db) -> CreditPack:
    return CreditPack.objects.create(name="Starter", credits=500, price_cents=1000, currency="usd")


@pytest.fixture
def big_pack(db) -> CreditPack:
    return CreditPack.objects.create(
        name="Scale", credits=10_000, price_cents=15_000, currency="usd", position=3
    )


def post_event(
    client: APIClient | None,
    event: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
    signature: str | None = None,
) -> Any:
    """POST ``event`` to the webhook as Stripe would: raw JSON body, Stripe-Signature header."""
    client = client or APIClient()
    body = json.dumps(event).encode()
    header = signature if signature is not None else sign_payload(body, secret, timestamp)
    return client.generic(
        "POST", WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
