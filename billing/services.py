"""The credit ledger: the only code that changes an organization's balance.

Every change is one append-only ``CreditLedgerEntry`` written in the same transaction as the
cached ``CreditAccount.balance``, with the account row locked (``select_for_update``) so that
concurrent charges serialise per organization. A ``cause_key`` (unique) makes an effect
happen once however often it is retried ("refund:doc_…", "stripe:evt_…").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import Organization, User
from billing.models import CreditAccount, CreditLedgerEntry, LedgerKind
from config.errors import APIError


class InsufficientCredits(APIError):
    status_code = 402
    default_code = "INSUFFICIENT_CREDITS"
    default_detail = "Account credit balance too low."


@dataclass(frozen=True, slots=True)
class LedgerResult:
    entry: CreditLedgerEntry
    created: bool  # False when the cause_key had already been applied


def ensure_credit_account(*, organization: Organization) -> CreditAccount:
    account, _ = CreditAccount.objects.get_or_create(organization=organization)
    return account


def get_balance(*, organization: Organization) -> int:
    account = CreditAccount.objects.filter(organization=organization).only("balance").first()
    return account.balance if account else 0


def _locked_account(organization: Organization) -> CreditAccount:
    ensure_credit_account(organization=organization)
    return CreditAccount.objects.select_for_update().get(organization=organization)


@transaction.atomic
def record_entry(
    *,
    organization: Organization,
    kind: str,
    delta: int,
    cause_key: str | None = None,
    allow_partial: bool = False,
    **references: Any,
) -> LedgerResult:
    """Apply ``delta`` to the balance and append the entry, or do nothing if ``cause_key``
    was already applied. A negative delta larger than the balance raises
    ``InsufficientCredits``, unless ``allow_partial`` (then only what is there is taken)."""
    if kind not in LedgerKind.values:
        raise ValueError(f"Unknown ledger kind {kind!r}")
    account = _locked_account(organization)
    if cause_key is not None:
        # Safe under the account lock: every writer for this organization waits on it.
        existing = CreditLedgerEntry.objects.filter(cause_key=cause_key).first()
        if existing is not None:
            return LedgerResult(entry=existing, created=False)
    if account.balance + delta < 0:
        if not allow_partial:
            raise InsufficientCredits(
                message=(
                    f"This needs {-delta} credits but the balance is {account.balance}. "
                    "Top up credits on the billing page, or submit fewer pages."
                ),
                details={"required": -delta, "available": account.balance},
            )
        delta = -account.balance
    account.balance += delta
    try:
        with transaction.atomic():
            entry = CreditLedgerEntry.objects.create(
                organization=organization,
                kind=kind,
                delta=delta,
                balance_after=account.balance,
                cause_key=cause_key,
                **references,
            )
    except IntegrityError:
        if cause_key is None:
            raise
        # Another transaction applied the same cause first; nothing to do.
        existing = CreditLedgerEntry.objects.get(cause_key=cause_key)
        return LedgerResult(entry=existing, created=False)
    CreditAccount.objects.filter(pk=account.pk).update(balance=account.balance)
    return LedgerResult(entry=entry, created=True)


def grant_credits(
    *,
    organization: Organization,
    credits: int,
    reason: str,
    staff_user: User | None = None,
    cause_key: str | None = None,
) -> LedgerResult:
    if credits <= 0:
        raise APIError("INVALID_PAYLOAD", "A grant must be a positive number of credits.")
    return record_entry(
        organization=organization,
        kind=LedgerKind.GRANT,
        delta=credits,
        reason=reason,
        staff_user=staff_user,
        cause_key=cause_key,
    )


def adjust_credits(
    *, organization: Organization, delta: int, reason: str, staff_user: User | None
) -> LedgerResult:
    if delta == 0:
        raise APIError("INVALID_PAYLOAD", "An adjustment must change the balance.")
    if not reason.strip():
        raise APIError("INVALID_PAYLOAD", "An adjustment needs a reason.")
    return record_entry(
        organization=organization,
        kind=LedgerKind.ADJUSTMENT,
        delta=delta,
        reason=reason,
        staff_user=staff_user,
    )


def charge_credits(
    *,
    organization: Organization,
    credits: int,
    cause_key: str | None = None,
    reason: str = "",
    **references: Any,
) -> LedgerResult:
    if credits < 0:
        raise ValueError("charge_credits takes a positive amount")
    return record_entry(
        organization=organization,
        kind=LedgerKind.CHARGE,
        delta=-credits,
        cause_key=cause_key,
        reason=reason,
        **references,
    )


def refund_credits(
    *,
    organization: Organization,
    credits: int,
    cause_key: str,
    reason: str = "",
    **references: Any,
) -> LedgerResult:
    if credits < 0:
        raise ValueError("refund_credits takes a positive amount")
    return record_entry(
        organization=organization,
        kind=LedgerKind.REFUND,
        delta=credits,
        cause_key=cause_key,
        reason=reason,
        **references,
    )
