"""Reads of the billing app, shared by the API, the dashboard and the admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, QuerySet, Sum

from accounts.models import Organization
from billing.models import CreditAccount, CreditLedgerEntry, CreditPack, Payment, StripeEvent
from billing.stripe_gateway import stripe_configured
from config.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class CreditSummary:
    balance: int
    updated_at: datetime | None


def billing_configured() -> bool:
    """True when online top-ups work (Stripe secret key and webhook secret both set)."""
    return stripe_configured()


def credit_summary(*, organization: Organization) -> CreditSummary:
    account = CreditAccount.objects.filter(organization=organization).first()
    if account is None:
        return CreditSummary(balance=0, updated_at=None)
    return CreditSummary(balance=account.balance, updated_at=account.updated_at)


def ledger_entries(*, organization: Organization) -> QuerySet[CreditLedgerEntry]:
    """Newest first; ``(-created_at, -id)`` is the index order and a total order for cursors.

    The causes' public ids come annotated (``document_public_id``, ``extraction_public_id``,
    ``payment_public_id``) rather than joined whole: a document row carries its full text."""
    return (
        CreditLedgerEntry.objects.for_org(organization)
        .annotate(
            document_public_id=F("document__public_id"),
            extraction_public_id=F("extraction__public_id"),
            payment_public_id=F("payment__public_id"),
        )
        .order_by("-created_at", "-id")
    )


def ledger_sum(*, organization: Organization) -> int:
    """The sum of all entries; equals the cached balance (the ledger invariant)."""
    total = CreditLedgerEntry.objects.for_org(organization).aggregate(total=Sum("delta"))["total"]
    return int(total or 0)


def payments_of(*, organization: Organization) -> QuerySet[Payment]:
    return (
        Payment.objects.for_org(organization)
        .select_related("pack", "created_by")
        .order_by("-created_at", "-id")
    )


def active_packs() -> QuerySet[CreditPack]:
    return CreditPack.objects.filter(active=True).order_by("position", "credits", "id")


def get_active_pack(*, pack_id: object) -> CreditPack:
    """Packs are global (not per organization): any active pack, else 404 PACK_NOT_FOUND."""
    if not isinstance(pack_id, str) or not pack_id:
        raise NotFoundError("PACK_NOT_FOUND", "Credit pack not found.")
    pack = active_packs().filter(public_id=pack_id).first()
    if pack is None:
        raise NotFoundError("PACK_NOT_FOUND", f"Credit pack {pack_id} not found.")
    return pack


def stripe_events_needing_attention() -> QuerySet[StripeEvent]:
    """Failed events, and events stuck in ``received`` (processing crashed), oldest first."""
    return StripeEvent.objects.filter(
        status__in=[StripeEvent.Status.FAILED, StripeEvent.Status.RECEIVED]
    ).order_by("received_at")
