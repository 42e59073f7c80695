"""PostgreSQL restarted in the middle of a batch, with two real workers.

Restarting the machine's shared PostgreSQL would break colleagues' test runs, so the default
test does to the workers what a restart does to any client: every connection to the test
database is terminated (``pg_terminate_backend``), twice, while documents are running. The
workers must reconnect, every document must end in a terminal state, each charged once, and
the ledger invariant (cached balance == sum of entries) must hold.

``PP_TEST_PG_RESTART=1`` adds the real thing: ``pg_ctlcluster … main restart`` of the local
cluster (as root, on a machine of your own: it drops every client of the server).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from docgen import simple_invoice_pdf
from extractions.models import Document, DocumentStatus, Extraction
from tests.reliability.services import (
    all_terminal,
    ledger_invariant,
    ledger_kinds,
    require_real_services,
    terminate_backends,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DOCUMENTS = 6
SLOW = {"PP_TEST_STEP_DELAY_SECONDS": "0.4"}


def _submit_batch(client, parser) -> Extraction:
    files = [
        SimpleUploadedFile(
            f"inv-{n}.pdf", simple_invoice_pdf(f"INV-{n}"), content_type="application/pdf"
        )
        for n in range(DOCUMENTS)
    ]
    response = client.post(
        "/v1/extractions", {"parser_id": parser.public_id, "files": files}, format="multipart"
    )
    assert response.status_code == 202, response.content
    return Extraction.objects.get(public_id=response.json()["extraction"]["extraction_id"])


def _processing(extraction: Extraction) -> int:
    return Document.objects.filter(extraction=extraction, status=DocumentStatus.PROCESSING).count()


def _assert_batch_finished_once(extraction: Extraction, org) -> None:
    ids = list(Document.objects.filter(extraction=extraction).values_list("pk", flat=True))
    wait_for(lambda: all_terminal(ids), timeout=180, what="every document to end")
    documents = list(Document.objects.filter(extraction=extraction))
    failures = [(d.public_id, d.error_code, d.error_message) for d in documents if d.error_code]
    assert not failures, failures
    assert all(d.status == DocumentStatus.COMPLETED for d in documents)
    extraction.refresh_from_db()
    assert extraction.status == "completed"
    assert ledger_kinds(org.organization, extraction.pk) == {"charge": -DOCUMENTS}
    balance, total = ledger_invariant(org.organization)
    assert balance == total == 1000 - DOCUMENTS


def test_workers_survive_their_connections_being_terminated(
    worker_factory, client_a, parser_a, org_a
):
    require_real_services()
    workers = [worker_factory(concurrency=1, extra_env=SLOW) for _ in range(2)]
    extraction = _submit_batch(client_a, parser_a)

    wait_for(lambda: _processing(extraction) >= 2, timeout=60, what="two running documents")
    assert terminate_backends() >= 2  # at least one connection per running worker
    # Then again and again, at other moments of the runs: claims, steps, outcome writes,
    # refunds and dispatches of the next documents all meet a dropped connection somewhere.
    for _ in range(8):
        time.sleep(0.9)
        terminate_backends()

    _assert_batch_finished_once(extraction, org_a)
    assert all(w.alive() for w in workers), "a worker died instead of reconnecting"
    logs = "".join(w.log() for w in workers)
    # The fault was real: the workers met dropped connections, and got over them.
    assert "Could not record step" in logs or "Transient error" in logs


def _cluster() -> tuple[str, str]:
    versions = sorted(os.listdir("/etc/postgresql"))
    return versions[-1], "main"


@pytest.mark.skipif(
    os.environ.get("PP_TEST_PG_RESTART") != "1",
    reason="Restarts the machine's PostgreSQL: opt in with PP_TEST_PG_RESTART=1 (own machine only).",
)
def test_real_postgresql_restart_mid_batch(worker_factory, client_a, parser_a, org_a):
    require_real_services()
    if not Path("/etc/postgresql").is_dir():
        pytest.skip("No local PostgreSQL cluster to restart (pg_ctlcluster).")
    workers = [worker_factory(concurrency=1, extra_env=SLOW) for _ in range(2)]
    extraction = _submit_batch(client_a, parser_a)
    wait_for(lambda: _processing(extraction) >= 1, timeout=60, what="a running document")

    version, name = _cluster()
    connection.close()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
        check=True,
        timeout=120,
    )
    wait_for(
        lambda: subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0,
        timeout=60,
        what="PostgreSQL to accept connections again",
    )
    _assert_batch_finished_once(extraction, org_a)
    assert all(w.alive() for w in workers)
