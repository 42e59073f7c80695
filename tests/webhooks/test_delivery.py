"""Deliveries to a real local HTTP receiver: signatures, retries with backoff, order, dedup."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from extractions.models import WebhookAttempt, WebhookDelivery
from extractions.webhooks import delivery as delivery_mod
from extractions.webhooks.dispatch import emit_document_event, emit_extraction_event
from extractions.webhooks.tasks import deliver_due_webhooks
from tests.webhooks.helpers import (
    create_endpoint,
    documented_verifier,
    make_document,
    make_extraction,
)

pytestmark = pytest.mark.django_db


def emit(capture, fn, **kwargs) -> None:
    """Raise an event as the lifecycle does (after commit) and run what it queues."""
    with capture(execute=True):
        fn(**kwargs)


def test_signed_delivery_with_custom_headers(
    client_a, org_a, receiver, eager_celery, django_capture_on_commit_callbacks
):
    endpoint = create_endpoint(
        client_a, receiver.url(), headers={"Authorization": "Bearer my-own-token"}
    )
    extraction = make_extraction(org_a.organization)
    document = make_document(extraction)

    emit(
        django_capture_on_commit_callbacks,
        emit_document_event,
        document_id=document.pk,
        event="document.completed",
    )

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    verify = documented_verifier()
    assert verify(endpoint["secret"], request.body, request.headers["perfectparser-signature"])
    assert not verify("whsec_wrong", request.body, request.headers["perfectparser-signature"])
    assert not verify(
        endpoint["secret"], request.body + b" ", request.headers["perfectparser-signature"]
    )
    assert request.headers["authorization"] == "Bearer my-own-token"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["perfectparser-event"] == "document.completed"
    payload = request.json
    assert payload["type"] == "document.completed"
    assert payload["id"].startswith("evt_")
    assert request.headers["perfectparser-event-id"] == payload["id"]
    assert payload["data"]["document_id"] == document.public_id
    assert payload["data"]["extraction_id"] == extraction.public_id
    assert payload["data"]["status"] == "completed"
    assert payload["data"]["metadata"] == {"ref": "A-17"}

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert request.headers["perfectparser-delivery"] == delivery.public_id
    assert delivery.attempt_count == 1 and delivery.delivered_at is not None
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200 and attempt.error == ""


def test_signature_is_rejected_when_too_old(org_a):
    from extractions.webhooks.signing import signature_header

    verify = documented_verifier()
    old = signature_header(secret="whsec_x", body=b"{}", timestamp=int(time.time()) - 3600)
    assert not verify("whsec_x", b"{}", old)
    assert verify("whsec_x", b"{}", signature_header(secret="whsec_x", body=b"{}"))


def test_500_is_retried_after_backoff_then_succeeds(
    client_a, org_a, receiver, eager_celery, settings, django_capture_on_commit_callbacks
):
    settings.PP_WEBHOOK_RETRY_BASE_SECONDS = 0.4
    endpoint = create_endpoint(client_a, receiver.url())
    extraction = make_extraction(org_a.organization)
    receiver.respond_with(500)

    emit(
        django_capture_on_commit_callbacks,
        emit_extraction_event,
        extraction_id=extraction.pk,
        event="extraction.completed",
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.RETRYING
    assert delivery.last_status_code == 500
    assert len(receiver.requests) == 1

    # Not due yet: the sweep sends nothing.
    assert deliver_due_webhooks() == 0
    assert len(receiver.requests) == 1

    deadline = time.monotonic() + 5
    while len(receiver.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
        deliver_due_webhooks()
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert second.at - first.at >= 0.4  # the backoff was respected
    verify = documented_verifier()
    for request in (first, second):
        assert verify(endpoint["secret"], request.body, request.headers["perfectparser-signature"])
    assert first.body == second.body  # same event, same id, same bytes

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempt_count == 2
    assert [a.status_code for a in delivery.attempts.all()] == [500, 200]
    assert all(a.duration_ms >= 0 for a in delivery.attempts.all())

    log = client_a.get(f"/v1/webhooks/{endpoint['id']}/deliveries").json()["data"]
    assert len(log) == 1
    assert log[0]["status"] == "succeeded"
    assert [a["status_code"] for a in log[0]["attempts"]] == [500, 200]


def test_backoff_doubles_and_is_capped(settings):
    settings.PP_WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.PP_WEBHOOK_RETRY_MAX_SECONDS = 3600
    waits = [delivery_mod.backoff_seconds(n) for n in range(1, 10)]
    assert waits[:4] == [30, 60, 120, 240]
    assert waits[-1] == 3600 and max(waits) == 3600


def test_gives_up_after_the_retry_window(
    client_a, org_a, receiver, eager_celery, settings, django_capture_on_commit_callbacks
):
    settings.PP_WEBHOOK_RETRY_WINDOW_HOURS = 24
    create_endpoint(client_a, receiver.url())
    extraction = make_extraction(org_a.organization)
    with django_capture_on_commit_callbacks(execute=False):
        emit_extraction_event(extraction_id=extraction.pk, event="extraction.completed")
    # The event is almost 24 hours old: a failure now leaves no room for another attempt.
    WebhookDelivery.objects.update(
        created_at=timezone.now() - timedelta(hours=24) + timedelta(seconds=0.1)
    )
    receiver.respond_with(503)
    deliver_due_webhooks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.next_attempt_at is None
    assert deliver_due_webhooks() == 0


def test_events_are_sent_oldest_first(
    client_a, org_a, receiver, eager_celery, django_capture_on_commit_callbacks
):
    create_endpoint(client_a, receiver.url())
    base = timezone.now() - timedelta(minutes=5)
    extraction = make_extraction(org_a.organization, completed_at=base + timedelta(seconds=30))
    failed = make_document(
        extraction,
        status="failed",
        error_code="unsupported_input",
        finished_at=base + timedelta(seconds=20),
    )
    done = make_document(extraction, finished_at=base + timedelta(seconds=10))
    # Raised in another order than they happened; nothing is sent yet.
    with django_capture_on_commit_callbacks(execute=False):
        emit_extraction_event(extraction_id=extraction.pk, event="extraction.partially_failed")
        emit_document_event(document_id=failed.pk, event="document.failed")
        emit_document_event(document_id=done.pk, event="document.completed")

    assert deliver_due_webhooks() == 3
    types = [r.json["type"] for r in receiver.requests]
    assert types == ["document.completed", "document.failed", "extraction.partially_failed"]
    times = [parse_datetime(r.json["created_at"]) for r in receiver.requests]
    assert times == sorted(times)
    assert receiver.requests[1].json["data"]["error"]["code"] == "unsupported_input"
    assert receiver.requests[2].json["data"]["document_counts"] == {"completed": 1, "failed": 1}


def test_event_filter(client_a, org_a, receiver, eager_celery, django_capture_on_commit_callbacks):
    create_endpoint(client_a, receiver.url("/only-extractions"), events=["extraction.completed"])
    create_endpoint(client_a, receiver.url("/all"))
    extraction = make_extraction(org_a.organization)
    document = make_document(extraction)
    with django_capture_on_commit_callbacks(execute=True):
        emit_document_event(document_id=document.pk, event="document.completed")
        emit_extraction_event(extraction_id=extraction.pk, event="extraction.completed")
    assert [r.json["type"] for r in receiver.at("/only-extractions")] == ["extraction.completed"]
    assert sorted(r.json["type"] for r in receiver.at("/all")) == [
        "document.completed",
        "extraction.completed",
    ]


def test_inactive_endpoint_gets_nothing(
    client_a, org_a, receiver, eager_celery, django_capture_on_commit_callbacks
):
    endpoint = create_endpoint(client_a, receiver.url())
    client_a.patch(f"/v1/webhooks/{endpoint['id']}", {"active": False}, format="json")
    extraction = make_extraction(org_a.organization)
    emit(
        django_capture_on_commit_callbacks,
        emit_extraction_event,
        extraction_id=extraction.pk,
        event="extraction.completed",
    )
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_per_extraction_webhook_url_is_signed_with_the_org_url_secret(
    client_a, org_a, receiver, eager_celery, django_capture_on_commit_callbacks
):
    extraction = make_extraction(org_a.organization, webhook_url=receiver.url("/mine"))
    emit(
        django_capture_on_commit_callbacks,
        emit_extraction_event,
        extraction_id=extraction.pk,
        event="extraction.completed",
    )
    (request,) = receiver.requests
    secret = client_a.get("/v1/webhooks/signing-secret").json()["secret"]
    assert secret.startswith("whsec_")
    assert documented_verifier()(secret, request.body, request.headers["perfectparser-signature"])
    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint is None and delivery.url == receiver.url("/mine")
    listed = client_a.get("/v1/webhooks/deliveries", {"extraction_id": extraction.public_id})
    assert [d["id"] for d in listed.json()["data"]] == [delivery.public_id]


def test_webhook_url_of_a_registered_endpoint_is_sent_once_with_its_secret(
    client_a, org_a, receiver, eager_celery, django_capture_on_commit_callbacks
):
    endpoint = create_endpoint(client_a, receiver.url())
    extraction = make_extraction(org_a.organization, webhook_url=receiver.url())
    emit(
        django_capture_on_commit_callbacks,
        emit_extraction_event,
        extraction_id=extraction.pk,
        event="extraction.completed",
    )
    (request,) = receiver.requests
    assert documented_verifier()(
        endpoint["secret"], request.body, request.headers["perfectparser-signature"]
    )


def test_redirects_are_not_followed(
    client_a, org_a, receiver, eager_celery, django_capture_on_commit_callbacks
):
    create_endpoint(client_a, receiver.url())
    receiver.respond_with(302)
    extraction = make_extraction(org_a.organization)
    emit(
        django_capture_on_commit_callbacks,
        emit_extraction_event,
        extraction_id=extraction.pk,
        event="extraction.completed",
    )
    assert [r.path for r in receiver.requests] == ["/hook"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.RETRYING
    assert delivery.last_status_code == 302


def test_timeout_and_refused_connection_are_failed_attempts(
    client_a, org_a, receiver, eager_celery, settings, django_capture_on_commit_callbacks
):
    settings.PP_WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.0
    create_endpoint(client_a, receiver.url("/slow"))
    extraction = make_extraction(org_a.organization, webhook_url="http://127.0.0.1:9/closed")
    emit(
        django_capture_on_commit_callbacks,
        emit_extraction_event,
        extraction_id=extraction.pk,
        event="extraction.completed",
    )
    slow = WebhookDelivery.objects.get(url=receiver.url("/slow"))
    closed = WebhookDelivery.objects.get(url="http://127.0.0.1:9/closed")
    for delivery in (slow, closed):
        assert delivery.status == WebhookDelivery.Status.RETRYING
        assert delivery.last_status_code is None
    assert "Timed out" in slow.last_error
    assert slow.attempts.get().duration_ms < 1000
    assert "Connection failed" in closed.last_error


def test_resend(client_a, org_a, receiver, eager_celery, django_capture_on_commit_callbacks):
    endpoint = create_endpoint(client_a, receiver.url())
    extraction = make_extraction(org_a.organization)
    emit(
        django_capture_on_commit_callbacks,
        emit_extraction_event,
        extraction_id=extraction.pk,
        event="extraction.completed",
    )
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery.public_id}/resend"
        )
    assert response.status_code == 202
    assert len(receiver.requests) == 2
    assert receiver.requests[0].json["id"] == receiver.requests[1].json["id"]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts.count() == 2


def test_emitting_the_same_event_twice_delivers_once(
    client_a, org_a, receiver, eager_celery, django_capture_on_commit_callbacks
):
    create_endpoint(client_a, receiver.url())
    extraction = make_extraction(org_a.organization)
    document = make_document(extraction)
    for _ in range(3):
        emit(
            django_capture_on_commit_callbacks,
            emit_document_event,
            document_id=document.pk,
            event="document.completed",
        )
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_unknown_event_or_object_never_raises(org_a):
    emit_document_event(document_id=10**9, event="document.completed")
    emit_extraction_event(extraction_id=10**9, event="extraction.completed")
    emit_extraction_event(extraction_id=1, event="extraction.exploded")
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_emission_creates_one_delivery(org_a, receiver, monkeypatch):
    """Eight threads raise the same event at the same moment (own connections, real commits)."""
    from extractions.webhooks import dispatch, services

    services.create_endpoint(organization=org_a.organization, url=receiver.url())
    extraction = make_extraction(org_a.organization, webhook_url=receiver.url("/per-extraction"))
    queued: list[int] = []
    monkeypatch.setattr(dispatch, "enqueue_delivery", lambda pk, public_id: queued.append(pk))
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def raise_event() -> None:
        try:
            barrier.wait(timeout=10)
            emit_extraction_event(extraction_id=extraction.pk, event="extraction.completed")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=raise_event) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    deliveries = WebhookDelivery.objects.filter(extraction=extraction)
    assert deliveries.count() == 2  # one per URL
    assert len(set(deliveries.values_list("event_id", flat=True))) == 1
    assert sorted(queued) == sorted(deliveries.values_list("id", flat=True))
