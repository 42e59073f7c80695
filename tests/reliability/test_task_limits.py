"""Every document runs under a memory and a time limit, enforced in the real worker.

- Memory: each pool process's address space is capped at PP_TASK_MEMORY_LIMIT_MB (RLIMIT_AS,
  set when the process starts). A document that needs more fails with a clear code, and the
  same process goes on to complete the next document.
- Time: the task's soft limit (PP_TASK_SOFT_TIME_LIMIT) fails a document that runs too long
  with ``extraction_failed``; the hard limit (PP_TASK_TIME_LIMIT) kills a process stuck in C
  code, after which the message is redelivered; a run after a lost one goes to a forked child
  with a lower memory limit (PP_RETRY_MEMORY_LIMIT_MB) and, past PP_DOCUMENT_MAX_ATTEMPTS, the
  document fails ``internal_error`` (see the sweeper and claim tests in tests/extractions).
- Structure: a PDF whose drawing never ends fails ``document_malformed`` before PDFium loads a
  page (extractions/engine/read/pdf_guard.py).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from docgen import simple_invoice_pdf
from extractions.models import DocumentStatus
from tests.reliability.services import all_terminal, ledger_invariant, submit_document, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _vm_kb(pid: int, field: str = "VmSize") -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


def _big_png(side: int) -> bytes:
    """A blank page scan of side×side pixels: small on disk, side²×3 bytes once decoded."""
    buf = io.BytesIO()
    Image.new("RGB", (side, side), "white").save(buf, "PNG", optimize=False, compress_level=9)
    return buf.getvalue()


def test_a_document_over_the_memory_limit_fails_and_the_process_lives_on(
    worker_factory, client_a, parser_a, org_a
):
    worker = worker_factory(concurrency=1, extra_env={"PP_TASK_MEMORY_LIMIT_MB": "700"})
    (pool_pid,) = worker.pool_pids()
    limit_kb = 700 * 1024
    assert _vm_kb(pool_pid) < limit_kb

    # 9000×9000 RGB: 243 MB per decoded copy, several copies on the way to OCR.
    big = submit_document(client_a, parser_a, "big-scan.png", _big_png(9000), "image/png")
    small = submit_document(
        client_a, parser_a, "invoice.pdf", simple_invoice_pdf("INV-9"), "application/pdf"
    )
    wait_for(lambda: all_terminal([big.pk, small.pk]), timeout=120, what="both documents")

    big.refresh_from_db()
    small.refresh_from_db()
    assert big.status == DocumentStatus.FAILED
    assert big.error_code == "document_too_large", (big.error_code, big.error_message)
    assert big.refunded_credits == big.credits_used == 1
    assert small.status == DocumentStatus.COMPLETED
    assert small.initial_output["invoice_number"] == "INV-9"
    assert worker.pool_pids() == [pool_pid], "the pool process was replaced (it crashed)"
    assert _vm_kb(pool_pid, "VmPeak") <= limit_kb
    balance, total = ledger_invariant(org_a.organization)
    assert balance == total == 999


def test_a_document_over_the_soft_time_limit_fails_extraction_failed(
    worker_factory, client_a, parser_a, org_a, monkeypatch
):
    from extractions.tasks import process_document

    # Celery puts the publisher's time limits in the message and the worker obeys those:
    # the web process (here, the test) must have the same PP_TASK_* settings as the workers.
    monkeypatch.setattr(process_document, "soft_time_limit", 5)
    monkeypatch.setattr(process_document, "time_limit", 20)
    monkeypatch.setattr(process_document, "_exec_options", None)
    worker = worker_factory(
        concurrency=1,
        extra_env={
            "PP_TASK_SOFT_TIME_LIMIT": "5",
            "PP_TASK_TIME_LIMIT": "20",
            "PP_TEST_STEP_DELAY_SECONDS": "2",
        },
    )
    document = submit_document(
        client_a, parser_a, "slow.pdf", simple_invoice_pdf("INV-S"), "application/pdf"
    )
    wait_for(lambda: all_terminal([document.pk]), timeout=60, what="the slow document")
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert document.error_code == "extraction_failed"
    assert "longer than 5 s" in document.error_message
    assert document.refunded_credits == 1
    assert worker.alive()
    balance, total = ledger_invariant(org_a.organization)
    assert balance == total == 1000


def test_a_document_that_killed_its_process_is_retried_only_in_a_limited_child(
    worker_factory, client_a, parser_a, org_a
):
    """Issue #19 item 2: pdfium aborts the process when an allocation fails (no MemoryError
    to catch): the pool replaces the process and the message is redelivered (acks_late,
    reject_on_worker_lost). That retry no longer runs in a shared pool process (it killed
    three, for free): it runs in a forked child limited to PP_RETRY_MEMORY_LIMIT_MB, which
    dies instead; the document fails document_too_large, refunded once, and the pool process
    that ran the retry lives on to complete the next document."""
    from tests.reliability.mutants import flate_bomb_pdf

    worker = worker_factory(
        concurrency=1,
        extra_env={"PP_TASK_MEMORY_LIMIT_MB": "450", "PP_RETRY_MEMORY_LIMIT_MB": "150"},
    )
    bomb = submit_document(client_a, parser_a, "bomb.pdf", flate_bomb_pdf(300), "application/pdf")
    after = submit_document(
        client_a, parser_a, "invoice.pdf", simple_invoice_pdf("INV-10"), "application/pdf"
    )
    wait_for(lambda: all_terminal([bomb.pk, after.pk]), timeout=120, what="both documents")
    bomb.refresh_from_db()
    after.refresh_from_db()
    assert bomb.status == DocumentStatus.FAILED
    assert bomb.error_code == "document_too_large", (bomb.error_code, bomb.error_message)
    assert bomb.attempts == 2  # one process killed; the retry's child died, not the worker
    assert bomb.refunded_credits == 1
    retry_pid = int(bomb.worker.split("/")[1])
    assert retry_pid in worker.pool_pids(), "the retry killed its pool process"
    assert after.status == DocumentStatus.COMPLETED
    assert "isolated in a child" in worker.log()
    assert worker.alive()
    balance, total = ledger_invariant(org_a.organization)
    assert balance == total == 999


def test_a_self_drawing_pdf_fails_document_malformed_without_killing_a_worker(
    worker_factory, client_a, parser_a, org_a
):
    """Issue #19 item 2: the 2.9 GB worker. A form XObject that draws itself twice, built byte
    by byte; now refused before PDFium loads its page, on the first attempt, in well under a
    second, by the same pool process that then completes the next document."""
    from tests.reliability.drawing_bombs import self_drawing_form_pdf

    worker = worker_factory(concurrency=1, extra_env={"PP_TASK_MEMORY_LIMIT_MB": "1200"})
    (pool_pid,) = worker.pool_pids()
    bomb = submit_document(
        client_a, parser_a, "self.pdf", self_drawing_form_pdf(), "application/pdf"
    )
    after = submit_document(
        client_a, parser_a, "invoice.pdf", simple_invoice_pdf("INV-11"), "application/pdf"
    )
    wait_for(lambda: all_terminal([bomb.pk, after.pk]), timeout=120, what="both documents")
    bomb.refresh_from_db()
    after.refresh_from_db()
    assert (bomb.status, bomb.error_code) == (DocumentStatus.FAILED, "document_malformed")
    assert "draws itself" in bomb.error_message
    assert bomb.attempts == 1
    assert (bomb.finished_at - bomb.started_at).total_seconds() < 1.0
    assert bomb.refunded_credits == 1
    assert after.status == DocumentStatus.COMPLETED
    assert worker.pool_pids() == [pool_pid], "the pool process was replaced (it died)"
    balance, total = ledger_invariant(org_a.organization)
    assert balance == total == 999
