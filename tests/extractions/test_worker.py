"""Against real Celery workers (subprocesses on the test database and the configured broker:
PostgreSQL + Redis in CI, SQLite + the filesystem broker locally), and real concurrency.

Kept few: each starts a worker (~3 s)."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from billing.models import CreditLedgerEntry
from billing.services import charge_credits, get_balance
from extractions.models import Document, Extraction
from extractions.services.sweeper import sweep_documents
from tests.conftest import api_client_for_key
from tests.extractions.helpers import ledger_is_consistent, pdf_upload, submit

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout: float = 120.0, what: str = "condition", worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    log = worker.log()[-3000:] if worker is not None else ""
    raise AssertionError(f"Timed out waiting for {what}\n{log}")


def statuses(extraction_id: str) -> list[str]:
    return list(
        Document.objects.filter(extraction__public_id=extraction_id)
        .order_by("position")
        .values_list("status", flat=True)
    )


def test_end_to_end_with_a_real_worker(live_worker, client_a, parser_a, org_a):
    response = client_a.post(
        "/v1/extractions",
        {
            "parser_id": parser_a.public_id,
            "files": [
                pdf_upload("invoice-1.pdf", pages=3),
                pdf_upload("invoice-2.pdf", number="INV-2", pages=4),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 202
    ext = response.json()["extraction"]
    assert ext["status"] == "queued"
    assert (
        ext["file_count"],
        ext["page_count"],
        ext["credits_used"],
        ext["credits_remaining"],
    ) == (2, 7, 7, 993)
    assert [
        (d["filename"], d["page_count"], d["credits_used"], d["status"]) for d in ext["documents"]
    ] == [
        ("invoice-1.pdf", 3, 3, "queued"),
        ("invoice-2.pdf", 4, 4, "queued"),
    ]
    wait_for(
        lambda: statuses(ext["extraction_id"]) == ["completed", "completed"],
        what="both documents completed",
        worker=live_worker,
    )
    detail = client_a.get(f"/v1/extractions/{ext['extraction_id']}").json()["extraction"]
    assert detail["status"] == "completed"
    result = client_a.get(
        f"/v1/extractions/{ext['extraction_id']}/documents/{ext['documents'][1]['document_id']}"
    ).json()
    assert result["data"]["invoice_number"] == "INV-2"
    assert result["citations"]["invoice_number"]["text"] == "INV-2"
    assert result["citations"]["total"]["page"] == 1
    doc = Document.objects.get(public_id=ext["documents"][1]["document_id"])
    assert doc.worker.startswith(live_worker.name)
    assert doc.attempts == 1
    assert get_balance(organization=org_a.organization) == 993
    assert ledger_is_consistent(org_a.organization)


def _running_pid(doc_public_id: str) -> int:
    worker = Document.objects.get(public_id=doc_public_id).worker
    return int(worker.split("/")[1])


def test_a_killed_pool_process_document_is_redelivered_and_charged_once(
    worker_factory, client_a, parser_a, org_a
):
    worker = worker_factory(concurrency=1, extra_env={"PP_TEST_STEP_DELAY_SECONDS": "0.4"})
    ext = submit(client_a, parser_a, pdf_upload())
    doc_id = ext["documents"][0]["document_id"]
    wait_for(
        lambda: Document.objects.filter(public_id=doc_id, status="processing").exists(),
        what="the document running",
        worker=worker,
    )
    pid = _running_pid(doc_id)
    assert pid in worker.pool_pids()
    os.kill(pid, signal.SIGKILL)
    wait_for(
        lambda: statuses(ext["extraction_id"]) == ["completed"], what="completion", worker=worker
    )
    doc = Document.objects.get(public_id=doc_id)
    assert doc.attempts == 2
    assert _running_pid(doc_id) != pid
    assert doc.initial_output["invoice_number"] == "INV-1001"
    assert (
        CreditLedgerEntry.objects.filter(
            kind="charge", extraction__public_id=ext["extraction_id"]
        ).count()
        == 1
    )
    assert CreditLedgerEntry.objects.filter(kind="refund").count() == 0
    assert ledger_is_consistent(org_a.organization)


def test_a_long_document_shows_its_step_and_heartbeat_while_it_runs(
    worker_factory, client_a, parser_a
):
    """Progress is visible on long work: the worker's heartbeat thread writes the current
    step (a change pollers see) and a fresh heartbeat while the engine runs."""
    worker = worker_factory(
        concurrency=1,
        extra_env={"PP_TEST_STEP_DELAY_SECONDS": "0.4", "PP_DOCUMENT_HEARTBEAT_SECONDS": "0.2"},
    )
    ext = submit(client_a, parser_a, pdf_upload())
    doc_id = ext["documents"][0]["document_id"]
    url = f"/v1/extractions/{ext['extraction_id']}"
    seen_steps: set[str] = set()
    heartbeats: set[object] = set()

    def progressed() -> bool:
        doc = Document.objects.get(public_id=doc_id)
        if doc.status == "processing":
            seen_steps.add(doc.step)
            heartbeats.add(doc.heartbeat_at)
            listed = client_a.get(url).json()["extraction"]["documents"][0]
            seen_steps.add(listed["step"])
        return doc.status == "completed"

    wait_for(progressed, what="completion", worker=worker)
    assert seen_steps - {"intake", "", None}, seen_steps  # a later step was shown
    assert len(heartbeats) >= 2  # the heartbeat moved while it ran


def test_a_killed_worker_document_is_finished_by_another_worker(
    worker_factory, client_a, parser_a, org_a
):
    first = worker_factory(concurrency=1, extra_env={"PP_TEST_STEP_DELAY_SECONDS": "0.4"})
    ext = submit(client_a, parser_a, pdf_upload())
    doc_id = ext["documents"][0]["document_id"]
    wait_for(
        lambda: Document.objects.filter(public_id=doc_id, status="processing").exists(),
        what="the document running",
        worker=first,
    )
    first.kill()  # SIGKILL to the whole worker: nobody is left to requeue its message
    assert not first.alive()
    second = worker_factory(concurrency=1)
    time.sleep(1.2)
    assert Document.objects.get(public_id=doc_id).status == "processing"  # stuck, until ...
    counts = sweep_documents(stale_after=timedelta(seconds=1))  # ... the sweeper sees it
    assert counts["requeued"] == 1
    wait_for(
        lambda: statuses(ext["extraction_id"]) == ["completed"], what="completion", worker=second
    )
    doc = Document.objects.get(public_id=doc_id)
    assert doc.worker.startswith(second.name)
    assert doc.attempts == 2
    assert Extraction.objects.get(public_id=ext["extraction_id"]).status == "completed"
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1
    assert ledger_is_consistent(org_a.organization)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
def test_ledger_invariant_under_concurrent_submissions(org_a, parser_a, worker_queue):
    """Many requests charging one organization at once: exact final balance, never negative."""
    org = org_a.organization
    charge_credits(organization=org, credits=990, cause_key="test:leave-10")
    threads, results, lock = 16, [], threading.Lock()
    barrier = threading.Barrier(threads)

    def run(i: int) -> None:
        client = api_client_for_key(org_a.api_key_secret)
        try:
            barrier.wait()
            response = client.post(
                "/v1/extractions",
                {
                    "parser_id": parser_a.public_id,
                    "files": [pdf_upload(f"{i}.pdf", number=f"C{i}")],
                },
                format="multipart",
            )
            with lock:
                results.append(response.status_code)
        finally:
            connection.close()

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert sorted(results) == [202] * 10 + [402] * 6
    assert get_balance(organization=org) == 0
    assert Extraction.objects.for_org(org).count() == 10
    assert ledger_is_consistent(org)
