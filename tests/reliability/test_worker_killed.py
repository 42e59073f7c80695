"""A worker SIGKILLed in the middle of a document, on PostgreSQL + Redis with real workers.

Two ways a worker dies:
- its pool process is killed (OOM killer, segfault in a C library): the worker's main process
  sees it, and acks_late + reject_on_worker_lost put the message back at once; the redelivered
  message reclaims the document (same task id) and finishes it;
- the whole worker is killed (machine lost): its unacked message stays in Redis until the
  broker's own visibility timeout, far away. The sweeper sees the document's heartbeat older
  than PP_DOCUMENT_VISIBILITY_TIMEOUT (lowered by the test), puts it back to ``queued`` and
  dispatches it to another worker.
Either way: completed once, charged once, never stuck in ``processing``.
"""

from __future__ import annotations

import os
import signal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from extractions.models import Document, DocumentStatus, Extraction
from extractions.services.sweeper import sweep_documents
from tests.extractions.docs import invoice_pdf
from tests.reliability.services import (
    ledger_invariant,
    ledger_kinds,
    require_real_services,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SLOW = {"PP_TEST_STEP_DELAY_SECONDS": "1.5"}


def _submit(client, parser) -> Document:
    upload = SimpleUploadedFile("inv.pdf", invoice_pdf("INV-77"), content_type="application/pdf")
    response = client.post(
        "/v1/extractions", {"parser_id": parser.public_id, "files": [upload]}, format="multipart"
    )
    assert response.status_code == 202, response.content
    return Document.objects.get(
        public_id=response.json()["extraction"]["documents"][0]["document_id"]
    )


def _processing_by(document: Document, worker) -> bool:
    document.refresh_from_db()
    return document.status == DocumentStatus.PROCESSING and document.worker.startswith(
        f"{worker.name}@"
    )


def _assert_finished_once(document: Document, org) -> None:
    document.refresh_from_db()
    assert document.status == DocumentStatus.COMPLETED, (
        document.error_code,
        document.error_message,
    )
    assert document.initial_output["invoice_number"] == "INV-77"
    assert ledger_kinds(org.organization, document.extraction_id) == {"charge": -1}
    assert document.refunded_credits == 0
    assert Extraction.objects.get(pk=document.extraction_id).status == "completed"
    balance, total = ledger_invariant(org.organization)
    assert balance == total == 999


def test_killed_pool_process_is_redelivered_and_finished_once(
    worker_factory, client_a, parser_a, org_a
):
    require_real_services()
    slow = worker_factory(concurrency=1, extra_env=SLOW)
    document = _submit(client_a, parser_a)
    wait_for(lambda: _processing_by(document, slow), timeout=60, what="the slow worker's claim")
    other = worker_factory(concurrency=1)
    pool = slow.pool_pids()
    assert pool, "the prefork pool has no child"
    for pid in pool:
        os.kill(pid, signal.SIGKILL)
    wait_for(
        lambda: Document.objects.get(pk=document.pk).status == DocumentStatus.COMPLETED,
        timeout=90,
        what="the redelivered document to complete",
    )
    _assert_finished_once(document, org_a)
    assert document.attempts == 2  # the killed run, then the one that finished
    assert slow.alive() and other.alive()


def test_killed_worker_is_swept_and_finished_by_another(
    worker_factory, client_a, parser_a, org_a, settings, worker_queue
):
    require_real_services()
    doomed = worker_factory(concurrency=1, extra_env=SLOW)
    document = _submit(client_a, parser_a)
    wait_for(lambda: _processing_by(document, doomed), timeout=60, what="the doomed worker's claim")
    doomed.kill(signal.SIGKILL)  # main process and pool at once: nobody rejects the message
    assert not doomed.alive()
    survivor = worker_factory(concurrency=1)

    # Before the visibility timeout the document is left alone: its worker may be alive.
    assert sweep_documents()["requeued"] == 0
    settings.PP_DOCUMENT_VISIBILITY_TIMEOUT = 2
    wait_for(
        lambda: sweep_documents()["requeued"] == 1, timeout=30, what="the sweeper to requeue it"
    )
    wait_for(
        lambda: Document.objects.get(pk=document.pk).status == DocumentStatus.COMPLETED,
        timeout=90,
        what="the survivor to complete the document",
    )
    _assert_finished_once(document, org_a)
    assert document.worker.startswith(f"{survivor.name}@")
    assert document.attempts == 2

    # The dead worker's message comes back one day (Redis visibility timeout): a no-op then.
    from extractions.tasks import process_document

    process_document.apply_async(args=[document.pk], queue=worker_queue)
    wait_for(
        lambda: "succeeded in" in survivor.log() and "'gone'" in survivor.log(),
        timeout=30,
        what="the late duplicate to be handled",
    )
    _assert_finished_once(document, org_a)
    assert sweep_documents() == {"requeued": 0, "failed": 0, "lost": 0, "dispatched": 0}
