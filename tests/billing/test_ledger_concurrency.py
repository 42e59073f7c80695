"""The ledger invariant under real concurrency, on PostgreSQL: many threads, one organization,
each thread with its own database connection and transaction."""

from __future__ import annotations

import pytest

from billing.models import CreditAccount, CreditLedgerEntry, LedgerKind
from billing.selectors import ledger_sum
from billing.services import InsufficientCredits, charge_credits, get_balance, refund_credits
from tests.billing.concurrency import requires_postgresql, run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def test_concurrent_charges_end_with_the_exact_balance_and_never_below_zero(org_a):
    requires_postgresql()
    org = org_a.organization  # 1000 credits
    # 20 charges of 60 = 1200 > 1000: exactly 16 fit (960), 4 must be refused.
    results = run_concurrently(
        lambda i: charge_credits(organization=org, credits=60, cause_key=f"charge:{i}"), THREADS
    )
    refused = [r for r in results if isinstance(r, InsufficientCredits)]
    errors = [r for r in results if isinstance(r, BaseException) and r not in refused]
    assert not errors, errors
    assert len(refused) == 4
    assert get_balance(organization=org) == 1000 - 16 * 60 == 40
    assert ledger_sum(organization=org) == 40
    charges = CreditLedgerEntry.objects.for_org(org).filter(kind=LedgerKind.CHARGE)
    assert charges.count() == 16
    assert not CreditLedgerEntry.objects.filter(balance_after__lt=0).exists()
    # Each entry's balance_after is the running sum: the writes were serialised.
    running = 0
    for entry in CreditLedgerEntry.objects.for_org(org).order_by("id"):
        running += entry.delta
        assert entry.balance_after == running
    assert CreditAccount.objects.get(organization=org).balance >= 0


def test_same_cause_key_from_many_threads_applies_once(org_a):
    requires_postgresql()
    org = org_a.organization
    results = run_concurrently(
        lambda i: refund_credits(organization=org, credits=25, cause_key="refund:doc_same"),
        THREADS,
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(1 for r in results if r.created) == 1
    assert CreditLedgerEntry.objects.filter(cause_key="refund:doc_same").count() == 1
    assert get_balance(organization=org) == 1025 == ledger_sum(organization=org)
