"""document.reviewed (every review: a person, an API key, support, the automation policy — with
its review_source) and document.needs_review (a completed document entering the queue), to a
real local HTTP receiver; the documents run in Celery's eager mode, and with a real worker."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from docgen import INVOICE_SCHEMA, invoice_pdf
from extractions.models import Document, ReviewSource, WebhookDelivery
from extractions.services import review_document
from parsers.services import create_parser
from tests.extractions.helpers import submit
from tests.webhooks.helpers import create_endpoint, documented_verifier
from tests.worker import worker_factory, worker_queue  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def invoice(seed: int = 5) -> SimpleUploadedFile:
    pdf, _ = invoice_pdf(1, seed=seed, rows_per_page=3)
    return SimpleUploadedFile(f"inv{seed}.pdf", pdf, "application/pdf")


def parser_for(org, **policy):
    return create_parser(
        organization=org.organization, name="Invoices", schema=INVOICE_SCHEMA, **policy
    )


def events(receiver) -> list[tuple[str, dict]]:
    return [(r.json["type"], r.json["data"]) for r in receiver.requests]


def test_an_accepted_document_is_completed_then_reviewed_by_auto(
    client_a, org_a, receiver, eager_celery
) -> None:
    endpoint = create_endpoint(client_a, receiver.url())
    parser = parser_for(
        org_a, review_confidence_threshold=0.0, auto_accept=True, auto_accept_sample_share=0
    )
    ext = submit(client_a, parser, invoice())
    doc_id = ext["documents"][0]["document_id"]
    kinds = [t for t, _ in events(receiver)]
    assert sorted(kinds) == ["document.completed", "document.reviewed", "extraction.completed"]
    assert kinds.index("document.completed") < kinds.index("document.reviewed")
    reviewed = next(d for t, d in events(receiver) if t == "document.reviewed")
    assert reviewed["document_id"] == doc_id
    assert (reviewed["review_source"], reviewed["triage"], reviewed["needs_review"]) == (
        "auto",
        "auto_accepted",
        False,
    )
    assert reviewed["flagged_fields"] == []
    request = next(r for r in receiver.requests if r.json["type"] == "document.reviewed")
    assert documented_verifier()(
        endpoint["secret"], request.body, request.headers["perfectparser-signature"]
    )

    # A person's review later is a new event, with its source.
    url = f"/v1/extractions/{ext['extraction_id']}/documents/{doc_id}/review"
    assert client_a.patch(url, {"output": {"customer": "X"}}, format="json").status_code == 200
    again = [r.json for r in receiver.requests if r.json["type"] == "document.reviewed"]
    assert [e["data"]["review_source"] for e in again] == ["auto", "api_key"]
    assert again[0]["id"] != again[1]["id"]
    assert again[1]["created_at"] == again[1]["data"]["reviewed_at"]


def test_a_flagged_document_enters_the_queue_with_its_fields(
    client_a, org_a, receiver, eager_celery
) -> None:
    create_endpoint(client_a, receiver.url(), events=["document.needs_review", "document.reviewed"])
    schema = {
        **INVOICE_SCHEMA,
        "properties": {**INVOICE_SCHEMA["properties"], "total": {"type": "number", "maximum": 1}},
    }
    parser = create_parser(
        organization=org_a.organization,
        name="Invoices",
        schema=schema,
        review_confidence_threshold=0.0,
        auto_accept=True,
    )
    ext = submit(client_a, parser, invoice())
    ((kind, data),) = events(receiver)  # the endpoint filters the other events out
    assert kind == "document.needs_review"
    assert data["document_id"] == ext["documents"][0]["document_id"]
    assert (data["triage"], data["needs_review"], data["reviewed"]) == ("review", True, False)
    assert data["flagged_fields"] == ["total"]

    # Support's review is reported as such.
    document = Document.objects.get()
    review_document(document=document, output={"total": 0.5}, source=ReviewSource.SUPPORT)
    kinds = [(k, d["review_source"]) for k, d in events(receiver)]
    assert kinds == [("document.needs_review", None), ("document.reviewed", "support")]


def test_nothing_flagged_and_automation_off_raises_no_review_event(
    client_a, org_a, receiver, eager_celery
) -> None:
    create_endpoint(client_a, receiver.url())
    submit(client_a, parser_for(org_a, review_confidence_threshold=0.0), invoice())
    assert sorted(t for t, _ in events(receiver)) == ["document.completed", "extraction.completed"]
    completed = next(d for t, d in events(receiver) if t == "document.completed")
    assert (completed["triage"], completed["needs_review"]) == ("not_flagged", False)


def test_a_review_raised_twice_is_delivered_once(client_a, org_a, receiver, eager_celery) -> None:
    from extractions.webhooks.dispatch import emit_document_event

    create_endpoint(client_a, receiver.url(), events=["document.reviewed"])
    submit(
        client_a,
        parser_for(
            org_a, review_confidence_threshold=0.0, auto_accept=True, auto_accept_sample_share=0
        ),
        invoice(),
    )
    document = Document.objects.get()
    emit_document_event(document_id=document.pk, event="document.reviewed")
    assert WebhookDelivery.objects.filter(event="document.reviewed").count() == 1
    assert len(receiver.requests) == 1


@pytest.mark.worker
def test_with_a_real_worker(client_a, org_a, receiver, worker_factory) -> None:  # noqa: F811
    """A worker process runs the document and sends the events (its own housekeeping)."""
    worker = worker_factory()
    parser = parser_for(
        org_a, review_confidence_threshold=0.0, auto_accept=True, auto_accept_sample_share=0
    )
    response = client_a.post(
        "/v1/extractions",
        {"parser_id": parser.public_id, "files": [invoice()], "webhook_url": receiver.url("/mine")},
        format="multipart",
    )
    assert response.status_code == 202
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if {r.json["type"] for r in receiver.requests} >= {
            "document.completed",
            "document.reviewed",
        }:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"no review event: {events(receiver)}\n{worker.log()[-3000:]}")
    reviewed = next(d for t, d in events(receiver) if t == "document.reviewed")
    assert reviewed["review_source"] == "auto"
    document = Document.objects.get()
    assert document.reviewed and document.review_source == "auto"
    assert (
        WebhookDelivery.objects.filter(event="document.reviewed", status="succeeded").count() == 1
    )
