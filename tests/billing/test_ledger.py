"""The ledger's rules, one transaction at a time (concurrency: test_ledger_concurrency.py)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import Organization
from billing.models import CreditAccount, CreditLedgerEntry, LedgerKind
from billing.selectors import credit_summary, ledger_sum
from billing.services import (
    CauseKeyConflict,
    InsufficientCredits,
    adjust_credits,
    charge_credits,
    get_balance,
    grant_credits,
    record_entry,
    refund_credits,
    topup_credits,
)
from config.errors import APIError

pytestmark = pytest.mark.django_db


def assert_invariant(organization: Organization) -> None:
    balance = CreditAccount.objects.get(organization=organization).balance
    assert balance == ledger_sum(organization=organization)
    assert balance >= 0
    assert not CreditLedgerEntry.objects.filter(organization=organization, balance_after__lt=0)


def test_every_kind_moves_the_balance_and_keeps_the_invariant(org_a):
    org = org_a.organization
    assert get_balance(organization=org) == 1000  # the opening grant of the fixture
    charge_credits(organization=org, credits=300, cause_key="charge:doc_1")
    refund_credits(organization=org, credits=100, cause_key="refund:doc_1")
    topup_credits(organization=org, credits=500, cause_key="stripe-session:cs_1")
    adjust_credits(organization=org, delta=-50, reason="Goodwill correction", staff_user=None)
    grant_credits(organization=org, credits=25, reason="Promo")
    assert get_balance(organization=org) == 1000 - 300 + 100 + 500 - 50 + 25
    kinds = list(CreditLedgerEntry.objects.for_org(org).order_by("id").values_list("kind", "delta"))
    assert kinds == [
        (LedgerKind.GRANT, 1000),
        (LedgerKind.CHARGE, -300),
        (LedgerKind.REFUND, 100),
        (LedgerKind.TOPUP, 500),
        (LedgerKind.ADJUSTMENT, -50),
        (LedgerKind.GRANT, 25),
    ]
    last = CreditLedgerEntry.objects.for_org(org).latest("id")
    assert last.balance_after == get_balance(organization=org)
    assert credit_summary(organization=org).balance == get_balance(organization=org)
    assert_invariant(org)


def test_charge_beyond_balance_raises_402_and_writes_nothing(org_a):
    org = org_a.organization
    before = CreditLedgerEntry.objects.count()
    with pytest.raises(InsufficientCredits) as caught:
        charge_credits(organization=org, credits=1001, cause_key="charge:too-big")
    assert caught.value.status_code == 402
    assert caught.value.code == "INSUFFICIENT_CREDITS"
    assert caught.value.details == {"required": 1001, "available": 1000}
    assert CreditLedgerEntry.objects.count() == before
    assert get_balance(organization=org) == 1000
    # The whole balance can be spent, to exactly zero.
    charge_credits(organization=org, credits=1000)
    assert get_balance(organization=org) == 0
    assert_invariant(org)


def test_cause_key_applies_once(org_a):
    org = org_a.organization
    first = refund_credits(organization=org, credits=7, cause_key="refund:doc_x")
    again = refund_credits(organization=org, credits=7, cause_key="refund:doc_x")
    assert first.created and not again.created
    assert again.entry.pk == first.entry.pk
    assert get_balance(organization=org) == 1007
    assert CreditLedgerEntry.objects.filter(cause_key="refund:doc_x").count() == 1


def test_cause_key_of_another_organization_is_refused(org_a, org_b):
    refund_credits(organization=org_a.organization, credits=5, cause_key="refund:shared")
    with pytest.raises(CauseKeyConflict):
        refund_credits(organization=org_b.organization, credits=5, cause_key="refund:shared")
    assert get_balance(organization=org_b.organization) == 1000


def test_allow_partial_takes_what_is_there_and_reports_the_shortfall(org_a):
    org = org_a.organization
    result = record_entry(
        organization=org, kind=LedgerKind.REFUND, delta=-1500, allow_partial=True, reason="x"
    )
    assert result.entry.delta == -1000 and result.shortfall == 500
    assert get_balance(organization=org) == 0
    assert_invariant(org)


def test_invalid_amounts_are_refused(org_a):
    org = org_a.organization
    with pytest.raises(APIError):
        grant_credits(organization=org, credits=0, reason="nothing")
    with pytest.raises(APIError):
        adjust_credits(organization=org, delta=10, reason="  ", staff_user=None)
    with pytest.raises(APIError):
        adjust_credits(organization=org, delta=0, reason="zero", staff_user=None)
    with pytest.raises(ValueError):
        charge_credits(organization=org, credits=-1)
    with pytest.raises(ValueError):
        record_entry(organization=org, kind="bonus", delta=1)
    with pytest.raises(InsufficientCredits):
        adjust_credits(organization=org, delta=-5000, reason="too much", staff_user=None)
    assert get_balance(organization=org) == 1000


def test_organization_without_account_gets_one_on_first_entry(db):
    org = Organization.objects.create(name="Bare")
    assert get_balance(organization=org) == 0
    grant_credits(organization=org, credits=3, reason="hello")
    assert get_balance(organization=org) == 3


def test_createorg_credits_is_an_opening_grant(db):
    call_command("createorg", "Acme", "--owner", "boss@acme.test", "--credits", "250", "--json")
    org = Organization.objects.get(name="Acme")
    (entry,) = CreditLedgerEntry.objects.for_org(org)
    assert (entry.kind, entry.delta, entry.balance_after) == (LedgerKind.GRANT, 250, 250)
    assert get_balance(organization=org) == 250
    assert_invariant(org)

    call_command("createorg", "Zero", "--owner", "zero@acme.test", "--json")
    zero = Organization.objects.get(name="Zero")
    assert not CreditLedgerEntry.objects.for_org(zero).exists()
    assert CreditAccount.objects.get(organization=zero).balance == 0
