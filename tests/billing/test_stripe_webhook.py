"""POST /v1/billing/stripe/webhook: signature, storage, top-ups exactly once.

Requests are signed with Stripe's real scheme and the configured endpoint secret
(stripe_fakes.sign_payload), because Stripe itself cannot call us here."""

from __future__ import annotations

import json
import time

import pytest

from billing.models import CreditLedgerEntry, CreditPack, LedgerKind, Payment, StripeEvent
from billing.selectors import ledger_sum
from billing.services import get_balance
from billing.webhooks import reprocess_stripe_event
from tests.billing.conftest import WEBHOOK_SECRET, post_event
from tests.billing.stripe_fakes import checkout_session, make_event, sign_payload

pytestmark = pytest.mark.django_db


def pending_payment(org, pack: CreditPack, session_id: str = "cs_test_fixed") -> Payment:
    return Payment.objects.create(
        organization=org,
        pack=pack,
        stripe_checkout_session_id=session_id,
        amount_cents=pack.price_cents,
        credits=pack.credits,
    )


def completed_event(org, pack, payment=None, **overrides):
    session = checkout_session(
        session_id=payment.stripe_checkout_session_id if payment else None,
        organization_id=org.public_id,
        pack_id=pack.public_id,
        payment_id=payment.public_id if payment else None,
        **overrides,
    )
    return make_event("checkout.session.completed", session)


def topups(org):
    return CreditLedgerEntry.objects.for_org(org).filter(kind=LedgerKind.TOPUP)


def test_paid_session_credits_once_and_records_everything(org_a, pack, stripe_on):
    org = org_a.organization
    payment = pending_payment(org, pack)
    event = completed_event(org, pack, payment, payment_intent="pi_123")
    response = post_event(None, event)
    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "status": "processed", "duplicate": False}

    (entry,) = topups(org)
    assert (entry.delta, entry.balance_after) == (500, 1500)
    assert entry.cause_key == f"stripe-session:{payment.stripe_checkout_session_id}"
    assert entry.payment == payment
    stored = StripeEvent.objects.get(stripe_id=event["id"])
    assert entry.stripe_event == stored
    assert stored.status == StripeEvent.Status.PROCESSED
    assert stored.organization == org and stored.processed_at and stored.attempts == 1
    assert stored.payload == event
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.paid_at
    assert payment.stripe_payment_intent_id == "pi_123"
    assert get_balance(organization=org) == 1500 == ledger_sum(organization=org)


def test_replayed_event_credits_once(org_a, pack, stripe_on):
    org = org_a.organization
    payment = pending_payment(org, pack)
    event = completed_event(org, pack, payment)
    assert post_event(None, event).json()["duplicate"] is False
    again = post_event(None, event)
    assert again.status_code == 200
    assert again.json() == {"received": True, "status": "processed", "duplicate": True}
    assert topups(org).count() == 1
    assert StripeEvent.objects.count() == 1
    # A different event about the same session (async success after completed) adds nothing.
    async_event = make_event("checkout.session.async_payment_succeeded", event["data"]["object"])
    assert post_event(None, async_event).status_code == 200
    assert topups(org).count() == 1
    assert get_balance(organization=org) == 1500


@pytest.mark.parametrize(
    "tamper",
    [
        "wrong_secret",
        "no_header",
        "garbage_header",
        "changed_body",
        "too_old",
        "too_new",
        "not_json",
    ],
)
def test_bad_signature_is_400_and_nothing_is_written(org_a, pack, stripe_on, tamper):
    org = org_a.organization
    payment = pending_payment(org, pack)
    event = completed_event(org, pack, payment)
    body = json.dumps(event).encode()
    header = sign_payload(body, WEBHOOK_SECRET)
    if tamper == "wrong_secret":
        header = sign_payload(body, "whsec_someone_else")
    elif tamper == "no_header":
        header = ""
    elif tamper == "garbage_header":
        header = "v1=deadbeef"
    elif tamper == "changed_body":
        body = body.replace(b'"paid"', b'"paid" ')
    elif tamper == "too_old":
        header = sign_payload(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 3600)
    elif tamper == "too_new":  # a replay signed for later: refused like an old one
        header = sign_payload(body, WEBHOOK_SECRET, timestamp=int(time.time()) + 3600)
    elif tamper == "not_json":
        body = b"credits please"
        header = sign_payload(body, WEBHOOK_SECRET)
    from rest_framework.test import APIClient

    response = APIClient().generic(
        "POST",
        "/v1/billing/stripe/webhook",
        body,
        content_type="application/json",
        **({"HTTP_STRIPE_SIGNATURE": header} if header else {}),
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert not StripeEvent.objects.exists()
    assert not topups(org).exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


@pytest.mark.parametrize("skew", [-240, 240])
def test_clock_skew_within_the_tolerance_is_accepted_both_ways(org_a, pack, stripe_on, skew):
    org = org_a.organization
    event = completed_event(org, pack, pending_payment(org, pack))
    response = post_event(None, event, timestamp=int(time.time()) + skew)
    assert response.status_code == 200, response.content
    assert topups(org).count() == 1


def test_unpaid_session_is_ignored_until_the_async_payment_succeeds(org_a, pack, stripe_on):
    org = org_a.organization
    payment = pending_payment(org, pack)
    unpaid = completed_event(org, pack, payment, payment_status="unpaid")
    assert post_event(None, unpaid).json()["status"] == "ignored"
    assert not topups(org).exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING

    paid_session = dict(unpaid["data"]["object"], payment_status="paid")
    succeeded = make_event("checkout.session.async_payment_succeeded", paid_session)
    assert post_event(None, succeeded).json()["status"] == "processed"
    assert topups(org).count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_expired_and_failed_sessions_close_the_payment(org_a, pack, stripe_on):
    org = org_a.organization
    expired = pending_payment(org, pack, "cs_test_expired")
    failed = pending_payment(org, pack, "cs_test_failed")
    for payment, kind in (
        (expired, "checkout.session.expired"),
        (failed, "checkout.session.async_payment_failed"),
    ):
        obj = completed_event(org, pack, payment, payment_status="unpaid")["data"]["object"]
        assert post_event(None, make_event(kind, obj)).json()["status"] == "processed"
    expired.refresh_from_db()
    failed.refresh_from_db()
    assert (expired.status, failed.status) == (Payment.Status.EXPIRED, Payment.Status.FAILED)
    assert not topups(org).exists()


def test_event_before_any_payment_row_creates_it_from_metadata(org_a, pack, stripe_on):
    org = org_a.organization
    event = completed_event(org, pack, amount_total=1000)
    session_id = event["data"]["object"]["id"]
    assert post_event(None, event).json()["status"] == "processed"
    payment = Payment.objects.get(stripe_checkout_session_id=session_id)
    assert payment.organization == org and payment.pack == pack
    assert payment.status == Payment.Status.PAID and payment.credits == 500
    assert get_balance(organization=org) == 1500


def test_payment_row_without_session_id_yet_is_matched_by_metadata(org_a, pack, stripe_on):
    """The webhook can in theory beat the checkout request to saving the session id."""
    org = org_a.organization
    payment = Payment.objects.create(organization=org, pack=pack, credits=500, amount_cents=1000)
    event = completed_event(org, pack, payment=None)
    event["data"]["object"]["metadata"]["payment_id"] = payment.public_id
    assert post_event(None, event).json()["status"] == "processed"
    payment.refresh_from_db()
    assert payment.stripe_checkout_session_id == event["data"]["object"]["id"]
    assert payment.status == Payment.Status.PAID
    assert Payment.objects.count() == 1


def test_credits_come_from_the_payment_not_the_edited_pack(org_a, pack, stripe_on):
    org = org_a.organization
    payment = pending_payment(org, pack)
    CreditPack.objects.filter(pk=pack.pk).update(credits=99_999)  # staff edit after checkout
    post_event(None, completed_event(org, pack, payment))
    assert topups(org).get().delta == 500


def test_organization_mismatch_fails_and_credits_nobody(org_a, org_b, pack, stripe_on):
    """client_reference_id says org A, metadata says org B: a forged or broken session."""
    event = completed_event(
        org_b.organization, pack, client_reference_id=org_a.organization.public_id
    )
    response = post_event(None, event)
    assert response.status_code == 200  # stored for support; retrying cannot help
    assert response.json()["status"] == "failed"
    stored = StripeEvent.objects.get()
    assert stored.status == StripeEvent.Status.FAILED
    assert "mismatch" in stored.error
    assert not CreditLedgerEntry.objects.filter(kind=LedgerKind.TOPUP).exists()
    assert get_balance(organization=org_a.organization) == 1000
    assert get_balance(organization=org_b.organization) == 1000


def test_other_organizations_payment_cannot_credit_us(org_a, org_b, pack, stripe_on):
    """Org B's payment (its session) presented with org A's ids everywhere else."""
    b_payment = pending_payment(org_b.organization, pack, "cs_test_of_b")
    for variant in ("by_session", "by_payment_id"):
        event = completed_event(org_a.organization, pack)
        if variant == "by_session":
            event["data"]["object"]["id"] = b_payment.stripe_checkout_session_id
        else:
            event["data"]["object"]["metadata"]["payment_id"] = b_payment.public_id
        response = post_event(None, event)
        assert response.json()["status"] == "failed", variant
    assert StripeEvent.objects.filter(status=StripeEvent.Status.FAILED).count() == 2
    assert not CreditLedgerEntry.objects.filter(kind=LedgerKind.TOPUP).exists()
    b_payment.refresh_from_db()
    assert b_payment.status == Payment.Status.PENDING
    assert get_balance(organization=org_a.organization) == 1000


def test_foreign_and_unhandled_events_are_ignored(org_a, pack, stripe_on):
    foreign = make_event(
        "checkout.session.completed",
        {"id": "cs_other_product", "mode": "payment", "payment_status": "paid", "metadata": {}},
    )
    assert post_event(None, foreign).json()["status"] == "ignored"
    subscription = completed_event(org_a.organization, pack)
    subscription["data"]["object"]["mode"] = "subscription"
    assert post_event(None, subscription).json()["status"] == "ignored"
    other = make_event("customer.created", {"id": "cus_1", "object": "customer"})
    assert post_event(None, other).json()["status"] == "ignored"
    assert StripeEvent.objects.filter(status=StripeEvent.Status.IGNORED).count() == 3
    assert not CreditLedgerEntry.objects.filter(kind=LedgerKind.TOPUP).exists()


def test_unconfigured_webhook_is_503_and_writes_nothing(org_a, pack, stripe_off):
    event = completed_event(org_a.organization, pack)
    response = post_event(None, event)
    assert response.status_code == 503
    error = response.json()["error"]
    # Stripe's dashboard is read by the operator: the message names the settings.
    assert error["code"] == "BILLING_NOT_CONFIGURED" and "STRIPE_WEBHOOK_SECRET" in error["message"]
    assert not StripeEvent.objects.exists()


def test_webhook_needs_no_csrf_token(org_a, pack, stripe_on):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    event = completed_event(org_a.organization, pack)
    body = json.dumps(event).encode()
    response = client.post(
        "/v1/billing/stripe/webhook",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_payload(body, WEBHOOK_SECRET),
    )
    assert response.status_code == 200


def test_reprocess_is_harmless_on_a_processed_event(org_a, pack, stripe_on):
    org = org_a.organization
    payment = pending_payment(org, pack)
    post_event(None, completed_event(org, pack, payment))
    stored = StripeEvent.objects.get()
    again = reprocess_stripe_event(event=stored)
    assert again.status == StripeEvent.Status.PROCESSED and again.attempts == 2
    assert topups(org).count() == 1
    assert get_balance(organization=org) == 1500
