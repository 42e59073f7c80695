"""charge.refunded: the refunded share of a payment's credits leaves the ledger, once; what was
already spent is recorded and the organization flagged for support (signed webhooks, Stripe
faked as in test_stripe_webhook.py)."""

from __future__ import annotations

import pytest

from billing.models import CreditLedgerEntry, LedgerKind, Payment, StripeEvent
from billing.selectors import ledger_sum
from billing.services import charge_credits, get_balance
from billing.webhooks import reprocess_stripe_event
from tests.billing.conftest import post_event
from tests.billing.stripe_fakes import checkout_session, make_event, refunded_charge

pytestmark = pytest.mark.django_db


def paid_topup(org, pack, session_id: str = "cs_test_paid", pi: str = "pi_paid") -> Payment:
    payment = Payment.objects.create(
        organization=org,
        pack=pack,
        stripe_checkout_session_id=session_id,
        amount_cents=pack.price_cents,
        credits=pack.credits,
    )
    session = checkout_session(
        session_id=session_id,
        organization_id=org.public_id,
        pack_id=pack.public_id,
        payment_id=payment.public_id,
        payment_intent=pi,
        amount_total=pack.price_cents,
    )
    assert post_event(None, make_event("checkout.session.completed", session)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    return payment


def refund_event(payment: Payment, amount_refunded: int, **kwargs):
    charge = refunded_charge(
        payment_intent=kwargs.pop("payment_intent", payment.stripe_payment_intent_id),
        amount=payment.amount_cents,
        amount_refunded=amount_refunded,
        **kwargs,
    )
    return make_event("charge.refunded", charge)


def refund_entries(org):
    return CreditLedgerEntry.objects.for_org(org).filter(kind=LedgerKind.REFUND)


def test_full_refund_removes_the_credits(org_a, pack, stripe_on):
    org = org_a.organization
    payment = paid_topup(org, pack)
    assert get_balance(organization=org) == 1500
    response = post_event(None, refund_event(payment, 1000))
    assert response.json()["status"] == "processed"
    (entry,) = refund_entries(org)
    assert entry.delta == -500 and entry.payment == payment and entry.stripe_event
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert (payment.refunded_cents, payment.credits_refunded, payment.credits_unrecovered) == (
        1000,
        500,
        0,
    )
    assert get_balance(organization=org) == 1000 == ledger_sum(organization=org)
    org.refresh_from_db()
    assert not org.flagged_for_support


def test_partial_refunds_take_their_share_then_the_rest(org_a, pack, stripe_on):
    org = org_a.organization
    payment = paid_topup(org, pack)
    post_event(None, refund_event(payment, 250))  # 25 %
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
    assert payment.credits_refunded == 125
    assert get_balance(organization=org) == 1375
    # Stripe's amount_refunded is cumulative: the second refund brings it to 100 %.
    post_event(None, refund_event(payment, 1000))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.credits_refunded == 500
    assert [e.delta for e in refund_entries(org).order_by("id")] == [-125, -375]
    assert get_balance(organization=org) == 1000 == ledger_sum(organization=org)


def test_replayed_refund_removes_nothing_more(org_a, pack, stripe_on):
    org = org_a.organization
    payment = paid_topup(org, pack)
    event = refund_event(payment, 500)
    post_event(None, event)
    assert post_event(None, event).json()["duplicate"] is True
    # The same cumulative state under another event id (e.g. a re-sent event) changes nothing.
    post_event(None, refund_event(payment, 500))
    assert refund_entries(org).count() == 1
    assert get_balance(organization=org) == 1250


def test_refund_of_spent_credits_clamps_at_zero_and_flags_the_organization(org_a, pack, stripe_on):
    org = org_a.organization
    payment = paid_topup(org, pack)
    charge_credits(organization=org, credits=1400, cause_key="charge:big-job")
    assert get_balance(organization=org) == 100
    post_event(None, refund_event(payment, 1000))
    payment.refresh_from_db()
    assert (payment.credits_refunded, payment.credits_unrecovered) == (100, 400)
    assert payment.status == Payment.Status.REFUNDED
    assert get_balance(organization=org) == 0 == ledger_sum(organization=org)
    assert not CreditLedgerEntry.objects.filter(balance_after__lt=0).exists()
    org.refresh_from_db()
    assert org.flagged_for_support
    assert payment.public_id in org.support_note and "400 credits" in org.support_note
    # A replay neither removes more nor flags twice.
    post_event(None, refund_event(payment, 1000))
    payment.refresh_from_db()
    assert (payment.credits_refunded, payment.credits_unrecovered) == (100, 400)
    org.refresh_from_db()
    assert org.support_note.count(payment.public_id) == 1


def test_refund_matched_by_metadata_when_the_intent_is_unknown(org_a, pack, stripe_on):
    org = org_a.organization
    payment = paid_topup(org, pack)
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id="")
    event = refund_event(payment, 1000, payment_intent="pi_late", payment_id=payment.public_id)
    assert post_event(None, event).json()["status"] == "processed"
    payment.refresh_from_db()
    assert payment.stripe_payment_intent_id == "pi_late"
    assert get_balance(organization=org) == 1000


def test_refund_of_a_charge_we_do_not_know_is_ignored(org_a, stripe_on):
    charge = refunded_charge(payment_intent="pi_unknown", amount=1000, amount_refunded=1000)
    assert post_event(None, make_event("charge.refunded", charge)).json()["status"] == "ignored"
    assert get_balance(organization=org_a.organization) == 1000


def test_refund_before_the_payment_is_credited_is_retried(org_a, pack, stripe_on):
    """Out-of-order delivery: the refund fails (500, so Stripe retries) and succeeds later,
    by Stripe's retry or by staff re-processing it."""
    org = org_a.organization
    payment = Payment.objects.create(
        organization=org,
        pack=pack,
        stripe_checkout_session_id="cs_test_late",
        stripe_payment_intent_id="pi_late",
        amount_cents=1000,
        credits=500,
    )
    early = refund_event(payment, 1000)
    response = post_event(None, early)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "EVENT_NOT_PROCESSED"
    stored = StripeEvent.objects.get(stripe_id=early["id"])
    assert stored.status == StripeEvent.Status.FAILED and "not yet credited" in stored.error
    assert not refund_entries(org).exists()

    session = checkout_session(
        session_id="cs_test_late",
        organization_id=org.public_id,
        pack_id=pack.public_id,
        payment_id=payment.public_id,
        payment_intent="pi_late",
    )
    post_event(None, make_event("checkout.session.completed", session))
    assert get_balance(organization=org) == 1500
    stored = reprocess_stripe_event(event=stored)
    assert stored.status == StripeEvent.Status.PROCESSED and stored.attempts == 2
    assert get_balance(organization=org) == 1000
    # Stripe's own retry of the same event now finds it processed.
    assert post_event(None, early).json()["duplicate"] is True
    assert refund_entries(org).count() == 1
