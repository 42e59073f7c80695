"""Stripe delivering one event several times at once (it does: retries overlap slow answers),
on PostgreSQL with one connection per thread: exactly one top-up."""

from __future__ import annotations

import pytest

from billing.models import CreditLedgerEntry, LedgerKind, Payment, StripeEvent
from billing.selectors import ledger_sum
from billing.services import get_balance
from tests.billing.concurrency import requires_postgresql, run_concurrently
from tests.billing.conftest import post_event
from tests.billing.stripe_fakes import checkout_session, make_event

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def _session(org, pack, payment):
    return checkout_session(
        session_id=payment.stripe_checkout_session_id,
        organization_id=org.public_id,
        pack_id=pack.public_id,
        payment_id=payment.public_id,
    )


def _payment(org, pack):
    return Payment.objects.create(
        organization=org,
        pack=pack,
        stripe_checkout_session_id="cs_test_concurrent",
        amount_cents=pack.price_cents,
        credits=pack.credits,
    )


def test_concurrent_duplicate_deliveries_credit_once(org_a, pack, stripe_on):
    requires_postgresql()
    org = org_a.organization
    payment = _payment(org, pack)
    event = make_event("checkout.session.completed", _session(org, pack, payment))
    responses = run_concurrently(lambda i: post_event(None, event), THREADS)
    assert all(not isinstance(r, BaseException) for r in responses), responses
    assert [r.status_code for r in responses] == [200] * THREADS
    assert sum(1 for r in responses if not r.json()["duplicate"]) == 1
    stored = StripeEvent.objects.get()
    assert stored.status == StripeEvent.Status.PROCESSED and stored.attempts == 1
    assert CreditLedgerEntry.objects.filter(kind=LedgerKind.TOPUP).count() == 1
    assert get_balance(organization=org) == 1500 == ledger_sum(organization=org)


def test_concurrent_different_events_for_one_session_credit_once(org_a, pack, stripe_on):
    """completed and async_payment_succeeded (and a re-sent copy) racing each other."""
    requires_postgresql()
    org = org_a.organization
    payment = _payment(org, pack)
    session = _session(org, pack, payment)
    events = [
        make_event("checkout.session.completed", session),
        make_event("checkout.session.async_payment_succeeded", session),
        make_event("checkout.session.completed", session),
        make_event("checkout.session.async_payment_succeeded", session),
    ]
    responses = run_concurrently(lambda i: post_event(None, events[i]), len(events))
    assert [getattr(r, "status_code", r) for r in responses] == [200] * len(events)
    assert StripeEvent.objects.filter(status=StripeEvent.Status.PROCESSED).count() == 4
    assert CreditLedgerEntry.objects.filter(kind=LedgerKind.TOPUP).count() == 1
    assert get_balance(organization=org) == 1500 == ledger_sum(organization=org)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
