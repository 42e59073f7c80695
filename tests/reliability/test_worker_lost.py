"""Issue #19 item 4: a document on a SIGKILLed worker runs again within 60 s, with the default
settings, while the other document workers are busy with long documents.

Production layout (README, "Running in production"): document workers on the default queue,
a housekeeping worker on its own queue, celery beat. The sweeper, on the housekeeping queue,
is never behind a long document; it recognises the dead run by its missing heartbeat
(PP_DOCUMENT_DEAD_AFTER_SECONDS, 20 s) instead of the visibility timeout (15 min), and gives
the document to another worker. Before: 12 sweeps sat behind OCR documents, and the killed
worker's document restarted after 5+ minutes.
"""

from __future__ import annotations

import time

import pytest

from docgen import simple_invoice_pdf
from extractions.models import Document, DocumentStatus
from tests.reliability.services import (
    all_terminal,
    ledger_invariant,
    ledger_kinds,
    require_real_services,
    submit_document,
    wait_for,
)
from tests.worker import _purge

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RECOVERY_TARGET_SECONDS = 60


def _submit(client, parser, number: str) -> Document:
    return submit_document(client, parser, f"{number}.pdf", simple_invoice_pdf(number))


def _run_by(document: Document) -> str:
    document.refresh_from_db()
    return document.worker.split("@")[0] if document.status == DocumentStatus.PROCESSING else ""


def test_a_sigkilled_workers_document_runs_again_within_60_s_and_completes(
    worker_factory, worker_queue, settings, client_a, parser_a, org_a
):
    require_real_services()
    housekeeping_queue = f"{worker_queue}-housekeeping"
    settings.CELERY_HOUSEKEEPING_QUEUE = housekeeping_queue
    try:
        worker_factory(queue=housekeeping_queue)  # the sweeper's own worker
        worker_factory(beat=True)  # the production schedule: a sweep every 5 s
        busy = worker_factory(extra_env={"PP_TEST_STEP_DELAY_SECONDS": "8"})
        long_one = _submit(client_a, parser_a, "INV-7300")  # ~60 s of "OCR" on `busy`
        wait_for(lambda: _run_by(long_one) == busy.name, timeout=60, what="the long document")

        victim = worker_factory(extra_env={"PP_TEST_STEP_DELAY_SECONDS": "1"})
        document = _submit(client_a, parser_a, "INV-7301")
        wait_for(lambda: _run_by(document) == victim.name, timeout=60, what="the victim's run")
        victim.kill()  # SIGKILL to the whole worker: nobody is left to requeue its message
        killed_at = time.monotonic()
        replacement = worker_factory(extra_env={"PP_TEST_STEP_DELAY_SECONDS": "1"})

        wait_for(
            lambda: _run_by(document) == replacement.name or all_terminal([document.pk]),
            timeout=RECOVERY_TARGET_SECONDS,
            what="the killed worker's document to run again",
        )
        recovered_in = time.monotonic() - killed_at
        assert recovered_in < RECOVERY_TARGET_SECONDS
        assert not all_terminal([long_one.pk]), "recovery did not wait behind the long document"
        wait_for(lambda: all_terminal([document.pk, long_one.pk]), timeout=120, what="both")
    finally:
        _purge(housekeeping_queue)

    document.refresh_from_db()
    assert document.status == DocumentStatus.COMPLETED, document.error_message
    assert document.initial_output["invoice_number"] == "INV-7301"
    assert document.worker.startswith(replacement.name)
    assert document.attempts == 2
    assert "isolated in a child" in replacement.log()  # the lost run's retry is contained
    assert ledger_kinds(org_a.organization, document.extraction_id) == {"charge": -1}
    balance, total = ledger_invariant(org_a.organization)
    assert balance == total == 998
