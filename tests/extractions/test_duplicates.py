"""Duplicates: a document whose file, or whose issuer + number + total, matches an earlier
document of the organization is marked duplicate_of it (API, webhook payload, queue), is
processed and charged as usual, and is never accepted automatically."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from billing.models import CreditLedgerEntry
from docgen import INVOICE_SCHEMA, invoice_pdf
from extractions import flags
from extractions.identity import content_key, normalise_issuer, normalise_number, normalise_total
from extractions.models import Document, DocumentStatus, Triage
from extractions.services.duplicates import find_duplicate
from extractions.services.lifecycle import fail_document
from extractions.webhooks.events import build_document_event
from parsers.services import create_parser
from tests.dashboard.conftest import member_web  # noqa: F401  (fixture)
from tests.extractions.helpers import extract_invoice, run, submit

pytestmark = pytest.mark.django_db


def test_one_normal_form_per_issuer_number_and_total() -> None:
    same = ["ACME Supplies Ltd.", "Acme supplies limited", "The Acme Supplies GmbH & Co. KG"]
    assert {normalise_issuer(n) for n in same} == {"acme supplies"}
    assert normalise_issuer("Société Générale SA") == "societe generale"
    assert normalise_issuer("Co. Ltd") == "co"  # never to nothing
    assert normalise_issuer(None) == "" and normalise_issuer(42) == ""
    assert {normalise_number(n) for n in ["INV-1001", "inv 1001", "No. INV/1001"]} == {"inv1001"}
    assert normalise_number(1001) == normalise_number(1001.0) == "1001"
    assert [normalise_total(t) for t in (1234.5, "1,234.50", "1.234,50 EUR", True, "n/a")] == [
        "1234.50",
        "1234.50",
        "1234.50",
        "",
        "",
    ]
    fields = {"issuer": "v.name", "document_number": "no", "total": "total"}
    a = content_key({"v": {"name": "ACME Ltd"}, "no": "INV-1", "total": 10}, fields)
    b = content_key({"v": {"name": "Acme"}, "no": "inv 1", "total": 10.0}, fields)
    assert a == b and len(a) == 64
    assert content_key({"v": {"name": "Acme"}, "no": "INV-2", "total": 10}, fields) != a
    assert content_key({"v": {"name": "Acme"}, "no": None, "total": 10}, fields) == ""
    assert (
        content_key({"no": "INV-1", "total": 10}, {"document_number": "no", "total": "total"}) == ""
    )


def test_the_same_file_again_is_a_duplicate_never_accepted(client_a, org_a, auto_parser) -> None:
    first = extract_invoice(client_a, auto_parser, name="a.pdf")
    again = extract_invoice(client_a, auto_parser, name="a-again.pdf")
    assert first.duplicate_of is None and first.triage == Triage.AUTO_ACCEPTED
    assert again.duplicate_of == first and again.duplicate_match == "same_file"
    assert again.triage == Triage.REVIEW and not again.reviewed and again.review_source == ""
    assert again.validation and not again.rule_failures  # processed as usual
    charge = CreditLedgerEntry.objects.get(kind="charge", extraction=again.extraction)
    assert charge.delta == -again.page_count and again.credits_used == again.page_count
    assert [d.pk for d in flags.review_queue(organization=org_a.organization)] == [again.pk]
    url = f"/v1/extractions/{again.extraction.public_id}/documents/{again.public_id}"
    assert client_a.get(url).json()["duplicate_of"] == {
        "document_id": first.public_id,
        "extraction_id": first.extraction.public_id,
        "match": "same_file",
    }
    event = build_document_event(again, "document.needs_review")
    assert event["data"]["duplicate_of"]["document_id"] == first.public_id
    assert (
        client_a.get(
            f"/v1/extractions/{first.extraction.public_id}/documents/{first.public_id}"
        ).json()["duplicate_of"]
        is None
    )


def test_another_file_of_the_same_invoice_is_a_duplicate(client_a, auto_parser) -> None:
    first = extract_invoice(client_a, auto_parser, ruled=True)
    scan = extract_invoice(client_a, auto_parser, ruled=False)  # other bytes, the same values
    assert first.sha256 != scan.sha256
    assert scan.duplicate_of == first and scan.duplicate_match == "same_issuer_number_total"
    other = extract_invoice(client_a, auto_parser, seed=6)
    assert other.duplicate_of is None and other.triage == Triage.AUTO_ACCEPTED


def test_roles_named_in_the_schema_decide_what_identifies_a_document(client_a, org_a) -> None:
    # The customer says the billed party is what identifies their documents' sender here.
    roles = {"issuer": "customer", "document_number": "invoice_number", "gross": "total"}
    named = create_parser(
        organization=org_a.organization,
        name="Named",
        schema={**INVOICE_SCHEMA, "x-validation": {"roles": roles}},
    )
    b = extract_invoice(client_a, named, ruled=True)
    c = extract_invoice(client_a, named, ruled=False)
    by_roles = {"issuer": "customer", "document_number": "invoice_number", "total": "total"}
    by_names = {"issuer": "issuer", "document_number": "invoice_number", "total": "total"}
    assert b.duplicate_key == content_key(b.initial_output, by_roles)
    assert b.duplicate_key != content_key(b.initial_output, by_names) != ""
    assert c.duplicate_of == b and c.duplicate_match == "same_issuer_number_total"


def test_only_the_organizations_own_live_documents_count(
    client_a, client_b, org_b, auto_parser
) -> None:
    theirs = create_parser(organization=org_b.organization, name="B", schema=INVOICE_SCHEMA)
    extract_invoice(client_b, theirs)
    mine = extract_invoice(client_a, auto_parser)
    assert mine.duplicate_of is None  # the same file in another organization
    # a failed earlier document is no original: submitting the same file again is a retry
    pdf, _ = invoice_pdf(1, seed=9, rows_per_page=3)
    failed = submit(client_a, auto_parser, SimpleUploadedFile("f.pdf", pdf, "application/pdf"))
    failed_doc = Document.objects.get(public_id=failed["documents"][0]["document_id"])
    fail_document(document=failed_doc, code="extraction_failed", message="test")
    retry = submit(client_a, auto_parser, SimpleUploadedFile("f.pdf", pdf, "application/pdf"))
    assert run(retry["documents"][0]["document_id"]) == "completed"
    assert Document.objects.get(public_id=retry["documents"][0]["document_id"]).duplicate_of is None


def test_copies_in_one_batch_point_to_the_first_that_completed(client_a, auto_parser) -> None:
    pdf, _ = invoice_pdf(1, seed=5, rows_per_page=3)
    ext = submit(
        client_a,
        auto_parser,
        *[SimpleUploadedFile(f"copy{i}.pdf", pdf, "application/pdf") for i in range(3)],
    )
    first, second, third = (d["document_id"] for d in ext["documents"])
    assert run(second) == "completed"  # the second copy finishes first: the original
    assert run(first, task_id="t2") == "completed"
    docs = {d.public_id: d for d in Document.objects.all()}
    assert docs[second].duplicate_of is None and docs[second].triage == Triage.AUTO_ACCEPTED
    assert docs[first].duplicate_of_id == docs[second].pk
    # the third matches both: it points to the original, not to a duplicate of it
    Document.objects.filter(public_id=second).update(duplicate_of=None)
    assert run(third, task_id="t3") == "completed"
    assert Document.objects.get(public_id=third).duplicate_of_id == docs[second].pk


def test_the_queue_and_the_review_page_say_it(member_web, client_a, auto_parser) -> None:  # noqa: F811
    first = extract_invoice(client_a, auto_parser)
    again = extract_invoice(client_a, auto_parser)
    queue = member_web.get(reverse("web:review-queue")).content.decode()
    assert f"duplicate of {first.public_id}" in queue
    page = member_web.get(
        reverse("web:document-review", args=[again.extraction.public_id, again.public_id])
    ).content.decode()
    assert 'data-testid="duplicate-banner"' in page and "the same file (sha-256)" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row and advisory locks are PostgreSQL's"
)
def test_two_copies_finishing_at_once_are_still_caught(org_a, auto_parser) -> None:
    """Two documents with the same issuer + number + total finishing on two workers at the
    same moment: the second waits for the first's commit (advisory lock), then sees it."""
    from extractions.models import Extraction

    extraction = Extraction.objects.create(organization=org_a.organization, file_count=2)
    a, b = (
        Document.objects.create(
            organization=org_a.organization,
            extraction=extraction,
            filename=f"{n}.pdf",
            sha256=n * 64,
            status=DocumentStatus.PROCESSING,
        )
        for n in ("a", "b")
    )
    key = "k" * 64
    holding = threading.Event()
    found: dict[str, object] = {}

    def finish(document: Document, *, first: bool) -> None:
        try:
            with transaction.atomic():
                if not first:
                    holding.wait(5)
                found[document.filename] = find_duplicate(document=document, sha256="", key=key)
                Document.objects.filter(pk=document.pk).update(
                    status=DocumentStatus.COMPLETED, duplicate_key=key
                )
                if first:
                    holding.set()
                    time.sleep(0.5)  # the other one is waiting for this commit meanwhile
        finally:
            connection.close()

    threads = [
        threading.Thread(target=finish, args=(a,), kwargs={"first": True}),
        threading.Thread(target=finish, args=(b,), kwargs={"first": False}),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert found["a.pdf"] is None
    assert found["b.pdf"] is not None and found["b.pdf"].of_id == a.pk
