"""The whole top-up through the API (checkout → signed webhook → balance) and
GET /v1/billing/payments. Stripe faked as described in stripe_fakes.py."""

from __future__ import annotations

import pytest

from billing.models import Payment
from tests.billing.conftest import post_event
from tests.billing.stripe_fakes import make_event

pytestmark = pytest.mark.django_db


def buy(client, pack, fake_stripe, *, pay: bool = True) -> dict:
    response = client.post("/v1/billing/checkout", {"pack_id": pack.public_id}, format="json")
    assert response.status_code == 201
    body = response.json()
    if pay:
        # What Stripe sends once the customer paid: the session we created, now complete.
        session = fake_stripe.session_for(fake_stripe.checkout_requests()[-1].form)
        session.update(
            id=body["session_id"], payment_status="paid", status="complete", payment_intent="pi_9"
        )
        assert post_event(None, make_event("checkout.session.completed", session)).status_code == (
            200
        )
    return body


def test_checkout_then_webhook_credits_and_lists_the_payment(owner_client, pack, stripe_on):
    body = buy(owner_client, pack, stripe_on)
    assert owner_client.get("/v1/credits").json()["balance"] == 1500
    listing = owner_client.get("/v1/billing/payments").json()
    assert listing["next_cursor"] is None
    (item,) = listing["data"]
    assert item["id"] == body["payment_id"]
    assert item["status"] == "paid"
    assert (item["amount"], item["currency"], item["credits"]) == (1000, "usd", 500)
    assert item["stripe_checkout_session_id"] == body["session_id"]
    assert item["stripe_payment_intent_id"] == "pi_9"
    assert item["pack_id"] == pack.public_id and item["pack_name"] == "Starter"
    assert item["created_at"] and item["paid_at"]
    ledger = owner_client.get("/v1/credits/ledger").json()["data"]
    assert ledger[0]["kind"] == "topup" and ledger[0]["payment_id"] == body["payment_id"]


def test_payments_are_paginated_newest_first(owner_client, pack, stripe_on):
    ids = [buy(owner_client, pack, stripe_on, pay=False)["payment_id"] for _ in range(3)]
    first = owner_client.get("/v1/billing/payments", {"limit": 2}).json()
    second = owner_client.get(
        "/v1/billing/payments", {"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [p["id"] for p in first["data"] + second["data"]] == ids[::-1]
    assert second["next_cursor"] is None
    assert {p["status"] for p in first["data"]} == {"pending"}


def test_payments_are_private_to_managers_of_the_organization(
    owner_client, member_client, client_b, pack, stripe_on
):
    buy(owner_client, pack, stripe_on)
    assert Payment.objects.count() == 1
    assert client_b.get("/v1/billing/payments").json()["data"] == []
    response = member_client.get("/v1/billing/payments")
    assert response.status_code == 403
