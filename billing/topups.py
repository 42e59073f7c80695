"""What Stripe's objects do to payments and the ledger (called by billing.webhooks).

Each function runs inside the caller's transaction, locks the Payment row before the credit
account (the same order everywhere, so two events of one payment cannot deadlock), and is
idempotent: the top-up's cause key is ``stripe-session:<session id>``, a refund's is the payment
plus Stripe's cumulative refunded amount, so re-running any event changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organization
from billing.models import CreditPack, LedgerKind, Payment, StripeEvent
from billing.services import record_entry, topup_credits


class EventRejected(Exception):
    """The event contradicts what we know (wrong organization, unknown payment): it is marked
    failed for support and never credits anything. Retrying it cannot help."""


class EventNotReady(Exception):
    """The event may succeed later (e.g. a refund before its payment was credited): marked
    failed and answered with an error so that Stripe retries it."""


class NotOurs(Exception):
    """An object of the Stripe account that PerfectParser did not create: ignored."""


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # StripeEvent.Status.PROCESSED or IGNORED
    organization: Organization | None = None
    note: str = ""


def _ignored(note: str, organization: Organization | None = None) -> Outcome:
    return Outcome(status=StripeEvent.Status.IGNORED, organization=organization, note=note)


def _processed(organization: Organization, note: str = "") -> Outcome:
    return Outcome(status=StripeEvent.Status.PROCESSED, organization=organization, note=note)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _organization_of(session: dict[str, Any]) -> Organization:
    """The organization a Checkout Session pays for: client_reference_id and the metadata must
    agree, or someone is trying to credit one organization with another's session."""
    reference = _str(session.get("client_reference_id"))
    metadata = session.get("metadata") or {}
    from_metadata = _str(metadata.get("organization_id"))
    if not reference and not from_metadata and not _str(metadata.get("payment_id")):
        raise NotOurs("Not a PerfectParser checkout (no client_reference_id nor metadata).")
    if not reference or reference != from_metadata:
        raise EventRejected(
            f"Organization mismatch: client_reference_id={reference or '-'} but "
            f"metadata.organization_id={from_metadata or '-'}; nothing credited."
        )
    organization = Organization.objects.filter(public_id=reference).first()
    if organization is None:
        raise EventRejected(f"Unknown organization {reference}; nothing credited.")
    return organization


def _payment_for_session(session: dict[str, Any], organization: Organization) -> Payment:
    """The session's Payment, locked. Created from the metadata when missing (a session opened
    by a crashed request, or by hand in Stripe's dashboard with our metadata)."""
    session_id = session["id"]
    metadata = session.get("metadata") or {}
    payment_id = _str(metadata.get("payment_id"))
    locked = Payment.objects.select_for_update()
    payment = locked.filter(stripe_checkout_session_id=session_id).first()
    if payment is None and payment_id:
        payment = locked.filter(public_id=payment_id).first()
        if payment is not None and payment.stripe_checkout_session_id not in (None, session_id):
            raise EventRejected(
                f"Payment {payment_id} belongs to Checkout Session "
                f"{payment.stripe_checkout_session_id}, not {session_id}; nothing credited."
            )
    if payment is None:
        payment = _payment_from_metadata(session, organization)
    elif payment_id and payment_id != payment.public_id:
        raise EventRejected(
            f"Session {session_id} is payment {payment.public_id} but its metadata says "
            f"{payment_id}; nothing credited."
        )
    if payment.organization_id != organization.pk:
        raise EventRejected(
            f"Payment {payment.public_id} belongs to another organization than "
            f"{organization.public_id}; nothing credited."
        )
    pack_id = _str(metadata.get("pack_id"))
    if payment.pack is not None and pack_id and pack_id != payment.pack.public_id:
        raise EventRejected(
            f"Pack mismatch: payment {payment.public_id} is for {payment.pack.public_id}, "
            f"the session says {pack_id}; nothing credited."
        )
    if payment.stripe_checkout_session_id is None:
        payment.stripe_checkout_session_id = session_id
    return payment


def _payment_from_metadata(session: dict[str, Any], organization: Organization) -> Payment:
    metadata = session.get("metadata") or {}
    pack_id = _str(metadata.get("pack_id"))
    # Inactive packs count: the customer may have paid just before staff retired the pack.
    pack = CreditPack.objects.filter(public_id=pack_id).first() if pack_id else None
    if pack is None:
        raise EventRejected(
            f"No payment recorded for session {session['id']} and no known pack in its "
            "metadata; nothing credited."
        )
    payment_id = _str(metadata.get("payment_id"))
    fields: dict[str, Any] = {
        "organization": organization,
        "pack": pack,
        "stripe_checkout_session_id": session["id"],
        "amount_cents": int(session.get("amount_total") or pack.price_cents),
        "currency": _str(session.get("currency")) or pack.currency,
        "credits": pack.credits,
    }
    if payment_id.startswith("pay_") and not Payment.objects.filter(public_id=payment_id).exists():
        fields["public_id"] = payment_id
    try:
        with transaction.atomic():
            return Payment.objects.create(**fields)
    except IntegrityError:
        # A concurrent event for the same session created it first.
        return Payment.objects.select_for_update().get(stripe_checkout_session_id=session["id"])


def credit_checkout_session(
    *, session: dict[str, Any], stripe_event: StripeEvent | None = None
) -> Outcome:
    """A paid Checkout Session adds its payment's credits to the ledger, exactly once."""
    if session.get("mode") != "payment":
        return _ignored(f"Checkout Session in mode {session.get('mode')!r}, not a top-up.")
    try:
        organization = _organization_of(session)
    except NotOurs as exc:
        return _ignored(str(exc))
    if session.get("payment_status") != "paid":
        # Delayed payment methods: async_payment_succeeded will follow.
        return _ignored(
            f"Payment status {session.get('payment_status')!r}: nothing to credit yet.",
            organization,
        )
    payment = _payment_for_session(session, organization)
    if payment.credits <= 0:
        raise EventRejected(f"Payment {payment.public_id} carries no credits.")
    result = topup_credits(
        organization=organization,
        credits=payment.credits,
        cause_key=f"stripe-session:{session['id']}",
        reason=f"Stripe top-up {payment.public_id}"
        + (f" ({payment.pack.name})" if payment.pack else ""),
        payment=payment,
        stripe_event=stripe_event,
    )
    if payment.status in (Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.EXPIRED):
        payment.status = Payment.Status.PAID
    payment.paid_at = payment.paid_at or timezone.now()
    payment.stripe_payment_intent_id = (
        _str(session.get("payment_intent")) or payment.stripe_payment_intent_id
    )
    if session.get("amount_total") is not None:
        payment.amount_cents = int(session["amount_total"])
    payment.currency = _str(session.get("currency")) or payment.currency
    payment.save()
    note = "" if result.created else "Already credited."
    return _processed(organization, note)


def close_unpaid_session(*, session: dict[str, Any], status: str) -> Outcome:
    """An expired session or a failed delayed payment: the pending Payment is closed."""
    payment = (
        Payment.objects.select_for_update()
        .select_related("organization")
        .filter(stripe_checkout_session_id=_str(session.get("id")))
        .first()
    )
    if payment is None:
        return _ignored("No payment recorded for this Checkout Session.")
    if payment.status == Payment.Status.PENDING:
        payment.status = status
        payment.save(update_fields=["status"])
        return _processed(payment.organization)
    return _ignored(f"Payment already {payment.status}.", payment.organization)


def _payment_for_charge(charge: dict[str, Any]) -> Payment | None:
    locked = Payment.objects.select_for_update().select_related("organization")
    payment_intent = _str(charge.get("payment_intent"))
    payment = (
        locked.filter(stripe_payment_intent_id=payment_intent).first() if payment_intent else None
    )
    if payment is None:
        payment_id = _str((charge.get("metadata") or {}).get("payment_id"))
        if not payment_id:
            return None
        payment = locked.filter(public_id=payment_id).first()
        if payment is None:
            raise EventRejected(f"Refund of unknown payment {payment_id}.")
        if payment.stripe_payment_intent_id and payment_intent not in (
            "",
            payment.stripe_payment_intent_id,
        ):
            raise EventRejected(
                f"Refunded charge's PaymentIntent {payment_intent} is not payment "
                f"{payment_id}'s ({payment.stripe_payment_intent_id})."
            )
        payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or payment_intent
    return payment


def remove_refunded_credits(
    *, charge: dict[str, Any], stripe_event: StripeEvent | None = None
) -> Outcome:
    """Take back the refunded proportion of a payment's credits.

    ``amount_refunded`` is cumulative, so each event takes what its total implies minus what
    earlier refunds already accounted for. The balance never goes below zero: what was already
    spent is recorded in ``credits_unrecovered`` and the organization is flagged for support."""
    payment = _payment_for_charge(charge)
    if payment is None:
        return _ignored("Not a PerfectParser payment.")
    organization = payment.organization
    credited = (Payment.Status.PAID, Payment.Status.PARTIALLY_REFUNDED, Payment.Status.REFUNDED)
    if payment.status not in credited:
        raise EventNotReady(f"Payment {payment.public_id} is {payment.status}, not yet credited.")
    amount = int(charge.get("amount") or payment.amount_cents or 0)
    refunded = int(charge.get("amount_refunded") or 0)
    full = bool(charge.get("refunded")) or amount <= 0 or refunded >= amount
    # Rounded down: a partial refund never takes back more than its share.
    target = payment.credits if full else payment.credits * refunded // amount
    to_remove = target - (payment.credits_refunded + payment.credits_unrecovered)
    payment.refunded_cents = max(payment.refunded_cents, min(refunded, amount))
    payment.status = Payment.Status.REFUNDED if full else Payment.Status.PARTIALLY_REFUNDED
    note = ""
    if to_remove > 0:
        money = f"{refunded / 100:.2f} {payment.currency.upper()}"
        result = record_entry(
            organization=organization,
            kind=LedgerKind.REFUND,
            delta=-to_remove,
            allow_partial=True,
            cause_key=f"stripe-refund:{payment.public_id}:{refunded}",
            reason=f"Stripe refund of {payment.public_id} ({money} refunded in total)",
            payment=payment,
            stripe_event=stripe_event,
        )
        if result.created:
            payment.credits_refunded += -result.entry.delta
            payment.credits_unrecovered += result.shortfall
            if result.shortfall:
                note = _flag_unrecovered(organization, payment, result.shortfall, money)
    else:
        note = "No further credits to take back."
    payment.save()
    return _processed(organization, note)


def _flag_unrecovered(
    organization: Organization, payment: Payment, shortfall: int, money: str
) -> str:
    note = (
        f"{timezone.now():%Y-%m-%d %H:%M} UTC: Stripe refund of {payment.public_id} "
        f"({money}): {shortfall} credits could not be taken back (already spent)."
    )
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    org.flagged_for_support = True
    org.support_note = f"{org.support_note}\n{note}".strip()
    org.save(update_fields=["flagged_for_support", "support_note"])
    return note
