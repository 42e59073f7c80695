"""The credit ledger: the only code that changes an organization's balance.

Every change is one append-only ``CreditLedgerEntry`` written in the same transaction as the
cached ``CreditAccount.balance``, with the account row locked (``select_for_update``) so that
concurrent charges serialise per organization. A ``cause_key`` (unique) makes an effect
happen once however often it is retried ("refund:doc_…", "stripe-session:cs_…").

Kinds and the sign of their delta: ``grant`` / ``topup`` add credits; ``charge`` takes them;
``refund`` gives back credits of a failed or cancelled document (positive) or takes back the
credits of a refunded Stripe payment (negative); ``adjustment`` is a staff correction (either).

Stripe top-ups live in ``billing.checkout`` (starting a payment) and ``billing.webhooks`` /
``billing.topups`` (what Stripe's events do to the ledger); they call ``record_entry`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organization, User
from billing.models import CreditAccount, CreditLedgerEntry, LedgerKind
from config.errors import APIError


class InsufficientCredits(APIError):
    status_code = 402
    default_code = "INSUFFICIENT_CREDITS"
    default_detail = "Account credit balance too low."


def credit_count(count: int) -> str:
    """ "1 credit", "7 credits"."""
    return f"{count} credit{'' if count == 1 else 's'}"


def insufficient_credits(*, required: int, available: int) -> InsufficientCredits:
    return InsufficientCredits(
        message=(
            f"This needs {credit_count(required)} but the balance is {available}. "
            "Top up credits on the billing page, or submit fewer pages."
        ),
        details={"required": required, "available": available},
    )


class CauseKeyConflict(Exception):
    """A cause key already applied to another organization: a programming error, never retried."""


@dataclass(frozen=True, slots=True)
class LedgerResult:
    entry: CreditLedgerEntry
    created: bool  # False when the cause_key had already been applied
    # With allow_partial: the part of a negative delta that the balance could not cover.
    shortfall: int = 0


def ensure_credit_account(*, organization: Organization) -> CreditAccount:
    account, _ = CreditAccount.objects.get_or_create(organization=organization)
    return account


def get_balance(*, organization: Organization) -> int:
    account = CreditAccount.objects.filter(organization=organization).only("balance").first()
    return account.balance if account else 0


def _locked_account(organization: Organization) -> CreditAccount:
    try:
        return CreditAccount.objects.select_for_update().get(organization=organization)
    except CreditAccount.DoesNotExist:
        # Organizations made by create_organization always have one; this covers the rest.
        ensure_credit_account(organization=organization)
        return CreditAccount.objects.select_for_update().get(organization=organization)


def _already_applied(cause_key: str, organization: Organization) -> CreditLedgerEntry | None:
    existing = CreditLedgerEntry.objects.filter(cause_key=cause_key).first()
    if existing is not None and existing.organization_id != organization.pk:
        raise CauseKeyConflict(
            f"Cause key {cause_key!r} was already applied to another organization."
        )
    return existing


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
    ``InsufficientCredits`` (nothing written), unless ``allow_partial``: then only what is
    there is taken and the rest is reported as ``shortfall``.

    ``references`` are the entry's cause columns: document, extraction, stripe_event, payment,
    staff_user, reason.

    The organization's account row stays locked until the caller's outermost transaction ends:
    keep slow work (reading files, network calls) out of that transaction."""
    if kind not in LedgerKind.values:
        raise ValueError(f"Unknown ledger kind {kind!r}")
    account = _locked_account(organization)
    if cause_key is not None:
        # Safe under the account lock: every writer for this organization waits on it.
        existing = _already_applied(cause_key, organization)
        if existing is not None:
            return LedgerResult(entry=existing, created=False)
    shortfall = 0
    if account.balance + delta < 0:
        if not allow_partial:
            raise insufficient_credits(required=-delta, available=account.balance)
        shortfall = -(account.balance + delta)
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
        # Only another organization's writer can get here first (same-organization writers
        # wait on the lock above); _already_applied then raises CauseKeyConflict.
        existing = _already_applied(cause_key, organization)
        if existing is None:
            raise
        return LedgerResult(entry=existing, created=False)
    CreditAccount.objects.filter(pk=account.pk).update(
        balance=account.balance, updated_at=timezone.now()
    )
    return LedgerResult(entry=entry, created=True, shortfall=shortfall)


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
    """A staff correction. A negative adjustment beyond the balance raises InsufficientCredits:
    support must decide what to do rather than the ledger silently clamping."""
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
    """Take ``credits`` for usage, all or nothing (402 INSUFFICIENT_CREDITS, nothing written)."""
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
    """Give back credits of work that did not happen (failed / cancelled documents), once."""
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


def topup_credits(
    *,
    organization: Organization,
    credits: int,
    cause_key: str,
    reason: str = "",
    **references: Any,
) -> LedgerResult:
    """Credits bought through Stripe; ``cause_key`` ties them to one Checkout Session."""
    if credits <= 0:
        raise ValueError("topup_credits takes a positive amount")
    return record_entry(
        organization=organization,
        kind=LedgerKind.TOPUP,
        delta=credits,
        cause_key=cause_key,
        reason=reason,
        **references,
    )


@transaction.atomic
def refund_many(
    *,
    organization: Organization,
    refunds: list[tuple[str, int, dict[str, Any]]],
    reason: str = "",
) -> set[str]:
    """Several refunds at once (e.g. every queued document of a cancelled 10,000-file batch):
    ``refunds`` is a list of (cause_key, credits, references). Same rules as refund_credits,
    one entry per cause key and each cause key applied once, but under one account lock with
    one lookup of the keys already applied, one bulk insert and one balance update. Returns
    the cause keys applied now."""
    todo = [(key, credits, refs) for key, credits, refs in refunds if credits > 0]
    if any(credits < 0 for _, credits, _ in refunds):
        raise ValueError("refund_many takes positive amounts")
    if not todo:
        return set()
    account = _locked_account(organization)
    keys = [key for key, _, _ in todo]
    applied = dict(
        CreditLedgerEntry.objects.filter(cause_key__in=keys).values_list(
            "cause_key", "organization_id"
        )
    )
    if any(org_id != organization.pk for org_id in applied.values()):
        raise CauseKeyConflict("A cause key was already applied to another organization.")
    entries = []
    balance = account.balance
    seen: set[str] = set()
    for key, credits, refs in todo:
        if key in applied or key in seen:
            continue
        seen.add(key)
        balance += credits
        entries.append(
            CreditLedgerEntry(
                organization=organization,
                kind=LedgerKind.REFUND,
                delta=credits,
                balance_after=balance,
                cause_key=key,
                reason=refs.get("reason", reason),
                **{name: value for name, value in refs.items() if name != "reason"},
            )
        )
    if not entries:
        return set()
    CreditLedgerEntry.objects.bulk_create(entries, batch_size=1000)
    CreditAccount.objects.filter(pk=account.pk).update(balance=balance, updated_at=timezone.now())
    return seen
