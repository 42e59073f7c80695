"""POST /v1/billing/checkout, GET /v1/billing/packs, seed_credit_packs.

Stripe's API is not reachable from here: ``stripe_on`` points the official ``stripe`` library
at a local HTTP stand-in (stripe_fakes.FakeStripeAPI) that records what it was sent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from billing.checkout import start_checkout
from billing.models import CreditPack, Payment
from billing.selectors import billing_configured
from tests.billing.conftest import SECRET_KEY

pytestmark = pytest.mark.django_db

CHECKOUT_URL = "/v1/billing/checkout"


def test_owner_opens_a_checkout_session(owner_client, org_a, pack, stripe_on):
    response = owner_client.post(CHECKOUT_URL, {"pack_id": pack.public_id}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["session_id"].startswith("cs_test_")
    assert body["checkout_url"] == f"https://checkout.stripe.com/c/pay/{body['session_id']}"
    payment = Payment.objects.get(public_id=body["payment_id"])
    assert payment.organization == org_a.organization
    assert payment.status == Payment.Status.PENDING
    assert payment.stripe_checkout_session_id == body["session_id"]
    assert (payment.credits, payment.amount_cents, payment.currency) == (500, 1000, "usd")
    assert payment.created_by == org_a.owner

    (sent,) = stripe_on.checkout_requests()
    assert sent.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert sent.headers["Idempotency-Key"] == f"pp-checkout-{payment.public_id}"
    form = sent.form
    assert form["mode"] == "payment"
    assert form["client_reference_id"] == org_a.organization.public_id
    assert form["metadata[organization_id]"] == org_a.organization.public_id
    assert form["metadata[pack_id]"] == pack.public_id
    assert form["metadata[payment_id]"] == payment.public_id
    assert form["payment_intent_data[metadata][payment_id]"] == payment.public_id
    assert form["line_items[0][quantity]"] == "1"
    assert form["line_items[0][price_data][unit_amount]"] == "1000"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert "500" in form["line_items[0][price_data][product_data][name]"]
    assert form["success_url"].startswith(
        "https://app.perfectparser.test/billing/?checkout=success"
    )
    assert form["cancel_url"].startswith("https://app.perfectparser.test/billing/?checkout=")
    assert form["customer_email"] == org_a.owner.email
    # Nothing is credited before Stripe confirms the payment.
    assert owner_client.get("/v1/credits").json()["balance"] == 1000


def test_pack_with_a_stripe_price_uses_it(client_a, stripe_on):
    pack = CreditPack.objects.create(
        name="Priced", credits=2000, price_cents=3500, stripe_price_id="price_123"
    )
    response = client_a.post(CHECKOUT_URL, {"pack_id": pack.public_id}, format="json")
    assert response.status_code == 201  # API keys count as admins
    form = stripe_on.checkout_requests()[0].form
    assert form["line_items[0][price]"] == "price_123"
    assert not any(key.startswith("line_items[0][price_data]") for key in form)


def test_admin_may_member_may_not(org_a, pack, stripe_on):
    from tests.conftest import api_client_for_user

    admin = api_client_for_user(org_a.admin, org_a.organization)
    assert admin.post(CHECKOUT_URL, {"pack_id": pack.public_id}, format="json").status_code == 201

    member = api_client_for_user(org_a.member, org_a.organization)
    response = member.post(CHECKOUT_URL, {"pack_id": pack.public_id}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    assert Payment.objects.count() == 1
    assert len(stripe_on.checkout_requests()) == 1


@pytest.mark.parametrize("pack_id", ["pack_doesnotexist", "", "inactive"])
def test_unknown_or_inactive_pack_is_404(owner_client, pack_id, stripe_on):
    if pack_id == "inactive":
        pack_id = CreditPack.objects.create(
            name="Old", credits=1, price_cents=100, active=False
        ).public_id
    response = owner_client.post(CHECKOUT_URL, {"pack_id": pack_id}, format="json")
    if pack_id == "":
        assert response.status_code == 400  # a required field
    else:
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "PACK_NOT_FOUND"
    assert not Payment.objects.exists()
    assert not stripe_on.checkout_requests()


def test_stripe_error_is_502_and_the_payment_is_failed(owner_client, pack, stripe_on):
    stripe_on.fail_with = (
        400,
        {"error": {"type": "invalid_request_error", "message": "No such price"}},
    )
    response = owner_client.post(CHECKOUT_URL, {"pack_id": pack.public_id}, format="json")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "PAYMENT_PROVIDER_ERROR"
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED
    assert payment.stripe_checkout_session_id is None


def test_unconfigured_billing_is_503(owner_client, pack, stripe_off):
    assert billing_configured() is False
    response = owner_client.post(CHECKOUT_URL, {"pack_id": pack.public_id}, format="json")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "BILLING_NOT_CONFIGURED"
    assert "contact support" in error["message"] and "STRIPE_" not in error["message"]
    assert not Payment.objects.exists()


def test_dashboard_service_is_the_same_path(org_a, pack, stripe_on):
    started = start_checkout(organization=org_a.organization, pack=pack, created_by=org_a.owner)
    assert started.checkout_url.endswith(started.session_id)
    assert started.payment.stripe_checkout_session_id == started.session_id


def test_packs_list_shows_active_packs_in_order(member_client, pack, big_pack):
    CreditPack.objects.create(name="Retired", credits=5, price_cents=1, active=False)
    response = member_client.get("/v1/billing/packs")
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    assert [(p["id"], p["credits"], p["amount"], p["currency"]) for p in body["data"]] == [
        (pack.public_id, 500, 1000, "usd"),
        (big_pack.public_id, 10_000, 15_000, "usd"),
    ]


def test_seed_credit_packs_is_idempotent_and_keeps_staff_edits(db):
    call_command("seed_credit_packs")
    packs = list(CreditPack.objects.order_by("credits").values_list("credits", "active"))
    assert packs == [(500, True), (2000, True), (10_000, True)]
    CreditPack.objects.filter(credits=500).update(price_cents=999, name="Edited")
    call_command("seed_credit_packs")
    assert CreditPack.objects.count() == 3
    assert CreditPack.objects.get(credits=500).price_cents == 999


def test_openapi_documents_the_billing_bodies(anon_client):
    response = anon_client.get("/v1/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    if schema is None:
        import yaml

        schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    checkout = paths["/v1/billing/checkout"]["post"]
    assert "CheckoutRequest" in str(checkout["requestBody"])
    assert {"201", "403", "404", "503"} <= set(checkout["responses"])
    # Stripe calls without credentials: the operation overrides the global API-key security.
    assert paths["/v1/billing/stripe/webhook"]["post"]["security"] == [{}]
    for path in ("/v1/credits", "/v1/credits/ledger", "/v1/billing/payments", "/v1/billing/packs"):
        assert "get" in paths[path]
    components = schema["components"]["schemas"]
    assert {"balance", "currency_unit"} <= set(components["CreditBalance"]["properties"])
    assert {"data", "next_cursor"} <= set(components["PaginatedLedgerEntryList"]["properties"])
