"""The OCR cache of the runner: a page read for an organization is not read again for it (a
re-run by support, the same file with another parser), never served to another organization,
and deleted with its document's results by retention.

Real OCR of a small generated scan (~0.5 s a page); the OCR module's ``_read`` is wrapped to
count the pages really read.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

import docgen
from docgen import SIMPLE_INVOICE_SCHEMA
from extractions.models import Document, OcrPageCache
from extractions.retention import purge_expired
from extractions.services import rerun_document
from extractions.services.ocr_cache import OrganizationOcrCache
from parsers.services import create_parser
from tests.extractions.helpers import run, submit

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def scan(*lines: str, name: str = "scan.png") -> SimpleUploadedFile:
    image = docgen.text_image(list(lines), font_size=40, margin=40).image
    return SimpleUploadedFile(name, docgen.encode_image(image, "PNG"), content_type="image/png")


RECEIPT = ("Invoice number: INV-77", "Total: 18.50")


def submit_and_run(client, parser, upload) -> Document:
    ext = submit(client, parser, upload)
    doc_id = ext["documents"][0]["document_id"]
    assert run(doc_id, task_id=f"t-{doc_id}") == "completed"
    return Document.objects.get(public_id=doc_id)


@pytest.mark.django_db
def test_rerun_and_another_parser_skip_ocr_another_organization_does_not(
    client_a, client_b, parser_a, parser_b, org_a, org_b, admin_user, ocr_calls
):
    first = submit_and_run(client_a, parser_a, scan(*RECEIPT))
    assert len(ocr_calls) == 1
    (row,) = OcrPageCache.objects.all()
    assert (row.organization_id, row.document_id) == (org_a.organization.pk, first.pk)
    assert "Total: 18.50" in first.content[0]

    # support runs it again: the page is not read again, the result is the same
    rerun_document(document=first, staff_user=admin_user, completed=True, charge=False)
    assert run(first.public_id, task_id="rerun") == "completed"
    assert len(ocr_calls) == 1
    rerun = Document.objects.get(pk=first.pk)
    assert (rerun.content, rerun.pages) == (first.content, first.pages)

    # the same file with another parser of the organization: not read again either
    other = create_parser(
        organization=org_a.organization, name="Other", schema=SIMPLE_INVOICE_SCHEMA
    )
    second = submit_and_run(client_a, other, scan(*RECEIPT))
    assert len(ocr_calls) == 1
    assert second.content == first.content
    assert OcrPageCache.objects.count() == 1  # still the first document's row

    # another organization sends the very same image: read for it, stored for it
    theirs = submit_and_run(client_b, parser_b, scan(*RECEIPT))
    assert len(ocr_calls) == 2
    assert theirs.content == first.content
    mine, their_row = OcrPageCache.objects.order_by("id")
    assert their_row.key == mine.key  # the same key: only the organization told them apart
    assert (their_row.organization_id, their_row.document_id) == (
        org_b.organization.pk,
        theirs.pk,
    )

    # an entry the engine cannot use is a miss, not a failure
    OcrPageCache.objects.filter(pk=mine.pk).update(payload={"v": 1, "lines": "garbled"})
    rerun_document(document=rerun, staff_user=admin_user, completed=True, charge=False)
    assert run(first.public_id, task_id="rerun-2") == "completed"
    assert len(ocr_calls) == 3
    assert Document.objects.get(pk=first.pk).content == first.content


@pytest.mark.django_db
def test_cache_switched_off(client_a, parser_a, settings, ocr_calls):
    settings.PP_OCR_CACHE_ENABLED = False
    submit_and_run(client_a, parser_a, scan(*RECEIPT))
    submit_and_run(client_a, parser_a, scan(*RECEIPT))
    assert len(ocr_calls) == 2
    assert not OcrPageCache.objects.exists()


@pytest.mark.django_db
def test_retention_deletes_the_cache_with_the_document_results(
    client_a, parser_a, org_a, ocr_calls
):
    with time_machine.travel(T0, tick=False) as clock:
        old = submit_and_run(client_a, parser_a, scan(*RECEIPT))
        clock.move_to(T0 + timedelta(days=20))
        recent = submit_and_run(client_a, parser_a, scan("Invoice number: INV-78", "Total: 9.00"))
        assert set(OcrPageCache.objects.values_list("document_id", flat=True)) == {
            old.pk,
            recent.pk,
        }

        clock.move_to(T0 + timedelta(days=30, minutes=1))
        assert purge_expired().documents == 1
        old.refresh_from_db()
        assert old.results_purged_at is not None  # the row stays, its results and OCR go
        assert list(OcrPageCache.objects.values_list("document_id", flat=True)) == [recent.pk]

        clock.move_to(T0 + timedelta(days=50, minutes=1))
        purge_expired()
        assert not OcrPageCache.objects.exists()


def _payload() -> dict:
    return {"v": 1, "width": 10, "height": 10, "rotation": 0, "lines": [], "seconds": 0.5}


@pytest.mark.django_db
def test_lookups_stay_within_the_organization(client_a, parser_a, org_a, org_b):
    ext = submit(client_a, parser_a, scan(*RECEIPT))
    doc = Document.objects.get(public_id=ext["documents"][0]["document_id"])
    mine = OrganizationOcrCache(organization_id=org_a.organization.pk, document_id=doc.pk)
    key = "e" * 64
    mine.put(key, _payload())
    mine.put(key, {**_payload(), "seconds": 9.0})  # a second put keeps the first, no error
    assert mine.get(key) == _payload()
    assert mine.get("f" * 64) is None
    theirs = OrganizationOcrCache(organization_id=org_b.organization.pk, document_id=doc.pk)
    assert theirs.get(key) is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_puts_of_one_key_do_not_raise(client_a, parser_a, org_a):
    ext = submit(client_a, parser_a, scan(*RECEIPT))
    doc = Document.objects.get(public_id=ext["documents"][0]["document_id"])
    key = "a" * 64
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def put(seconds: float) -> None:
        try:
            cache = OrganizationOcrCache(organization_id=org_a.organization.pk, document_id=doc.pk)
            barrier.wait()
            cache.put(key, {**_payload(), "seconds": seconds})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=put, args=(float(i),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (row,) = OcrPageCache.objects.filter(key=key)
    assert row.payload["seconds"] in (0.0, 1.0, 2.0, 3.0)
