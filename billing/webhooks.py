"""Stripe events: stored once, processed once, re-processable by staff.

The view verifies the signature (billing.stripe_gateway.verify_webhook) before anything here
runs. Then:

1. ``StripeEvent`` is inserted with its unique Stripe id (a concurrent duplicate delivery gets
   the existing row instead);
2. processing locks that row, so concurrent deliveries of one event run one after the other and
   the later one sees it already processed;
3. the handler runs in a savepoint: on failure its writes roll back and the event keeps
   ``failed`` with the error text for support. Ledger writes carry cause keys, so even two
   *different* events about one payment (``completed`` and ``async_payment_succeeded``) credit
   it once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import Payment, StripeEvent
from billing.topups import (
    EventNotReady,
    EventRejected,
    Outcome,
    close_unpaid_session,
    credit_checkout_session,
    remove_refunded_credits,
)

logger = logging.getLogger(__name__)

FINAL_STATUSES = frozenset({StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED})


@dataclass(frozen=True, slots=True)
class WebhookResult:
    event: StripeEvent
    duplicate: bool  # this delivery found the event already handled
    # Answer Stripe with an error so it delivers again later (a transient failure).
    retry: bool = False


def _handle_checkout_completed(obj: dict[str, Any], event: StripeEvent) -> Outcome:
    return credit_checkout_session(session=obj, stripe_event=event)


def _handle_async_failed(obj: dict[str, Any], event: StripeEvent) -> Outcome:
    return close_unpaid_session(session=obj, status=Payment.Status.FAILED)


def _handle_expired(obj: dict[str, Any], event: StripeEvent) -> Outcome:
    return close_unpaid_session(session=obj, status=Payment.Status.EXPIRED)


def _handle_charge_refunded(obj: dict[str, Any], event: StripeEvent) -> Outcome:
    return remove_refunded_credits(charge=obj, stripe_event=event)


HANDLERS: dict[str, Callable[[dict[str, Any], StripeEvent], Outcome]] = {
    "checkout.session.completed": _handle_checkout_completed,
    "checkout.session.async_payment_succeeded": _handle_checkout_completed,
    "checkout.session.async_payment_failed": _handle_async_failed,
    "checkout.session.expired": _handle_expired,
    "charge.refunded": _handle_charge_refunded,
}


def _store_event(data: dict[str, Any]) -> tuple[StripeEvent, bool]:
    try:
        with transaction.atomic():
            event = StripeEvent.objects.create(
                stripe_id=data["id"], type=data.get("type", "")[:100], payload=data
            )
        return event, True
    except IntegrityError:
        return StripeEvent.objects.get(stripe_id=data["id"]), False


def receive_stripe_event(*, event_data: dict[str, Any]) -> WebhookResult:
    """Store a verified Stripe event (once) and process it unless that already happened.

    A delivery of an event that ``failed`` before runs it again: Stripe retries are how
    transient failures heal."""
    event, created = _store_event(event_data)
    if not created and event.status in FINAL_STATUSES:
        return WebhookResult(event=event, duplicate=True)
    return _process(event.pk, force=False)


def reprocess_stripe_event(*, event: StripeEvent) -> StripeEvent:
    """Run a stored event again (the admin's "re-process" action), whatever its status.

    Safe on processed events too: the ledger's cause keys make a second run change nothing."""
    return _process(event.pk, force=True).event


def _process(event_pk: int, *, force: bool) -> WebhookResult:
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(pk=event_pk)
        if event.status in FINAL_STATUSES and not force:
            return WebhookResult(event=event, duplicate=True)
        event.attempts += 1
        retry = False
        try:
            with transaction.atomic():
                outcome = _dispatch(event)
        except EventRejected as exc:
            event.status, event.error = StripeEvent.Status.FAILED, str(exc)
            logger.warning("Stripe event %s rejected: %s", event.stripe_id, exc)
        except EventNotReady as exc:
            event.status, event.error, retry = StripeEvent.Status.FAILED, str(exc), True
            logger.info("Stripe event %s not ready: %s", event.stripe_id, exc)
        except Exception as exc:
            logger.exception("Stripe event %s failed", event.stripe_id)
            event.status, retry = StripeEvent.Status.FAILED, True
            event.error = f"{type(exc).__name__}: {exc}"
        else:
            event.status, event.error = outcome.status, outcome.note
            event.organization = outcome.organization or event.organization
            event.processed_at = timezone.now()
        event.save()
    return WebhookResult(event=event, duplicate=False, retry=retry)


def _dispatch(event: StripeEvent) -> Outcome:
    handler = HANDLERS.get(event.type)
    if handler is None:
        return Outcome(status=StripeEvent.Status.IGNORED, note="Event type not used.")
    obj = (event.payload.get("data") or {}).get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise EventRejected("The event carries no object.")
    return handler(obj, event)
