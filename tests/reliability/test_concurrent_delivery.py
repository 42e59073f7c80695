"""One outgoing webhook attempt run by several workers at once (a redelivered task, the
periodic sweep and a resend overlapping) is sent once, on PostgreSQL with one connection per
thread and a real HTTP receiver.

What tests/webhooks and tests/billing already cover is not repeated here: concurrent
emission of one event (one delivery row per URL) and the same Stripe event posted
concurrently (one top-up) are in tests/webhooks/test_delivery.py and
tests/billing/test_webhook_concurrency.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from extractions.models import WebhookAttempt, WebhookDelivery
from extractions.webhooks import dispatch, services
from extractions.webhooks.dispatch import emit_extraction_event
from extractions.webhooks.tasks import deliver_due_webhooks, deliver_webhook
from tests.billing.concurrency import run_concurrently
from tests.reliability.services import require_real_services
from tests.webhooks.helpers import make_extraction
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.PP_WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver listens on 127.0.0.1
    settings.PP_WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.PP_WEBHOOK_TIMEOUT_SECONDS = 5
    server = Receiver().start()
    server.delay = 0.5  # a slow receiver: the attempts really overlap
    yield server
    server.stop()


@pytest.fixture
def delivery(org_a, receiver, monkeypatch) -> WebhookDelivery:
    require_real_services(redis=False)
    services.create_endpoint(organization=org_a.organization, url=receiver.url())
    # The test plays the workers itself: nothing goes to the broker.
    monkeypatch.setattr(dispatch, "enqueue_delivery", lambda pk, public_id: None)
    monkeypatch.setattr(deliver_webhook, "delay", lambda *a, **k: None)
    extraction = make_extraction(org_a.organization)
    emit_extraction_event(extraction_id=extraction.pk, event="extraction.completed")
    return WebhookDelivery.objects.get(extraction=extraction)


def _race(delivery_id: int) -> None:
    def one(i: int) -> None:
        if i % 2:
            deliver_webhook(delivery_id)  # the task body, as a worker runs it
        else:
            deliver_due_webhooks()  # the periodic sweep finds it due and sends it itself
            deliver_webhook(delivery_id)

    results = run_concurrently(one, THREADS)
    assert not [r for r in results if isinstance(r, BaseException)], results


def test_one_attempt_run_by_many_workers_at_once_is_sent_once(delivery, receiver):
    _race(delivery.pk)
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempt_count == 1
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1


def test_a_due_retry_run_by_many_workers_at_once_is_sent_once(delivery, receiver):
    receiver.respond_with(500)
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.RETRYING
    connection.close()

    _race(delivery.pk)  # the retry is due at once (base backoff 0 in this test)
    assert len(receiver.requests) == 2
    assert len({r.headers["perfectparser-event-id"] for r in receiver.requests}) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempt_count == 2
    assert list(
        WebhookAttempt.objects.filter(delivery=delivery)
        .order_by("id")
        .values_list("status_code", flat=True)
    ) == [500, 200]
