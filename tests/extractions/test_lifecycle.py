"""After submission: running, failing (refunded once), cancelling, classifying, fairness,
the sweeper, staff re-run and refund.

Most tests run documents in this process with ``run`` (what the Celery task calls), under the
plain ``db`` fixture where nothing is published to a broker; ``test_eager_end_to_end`` goes
through the real publish path in eager mode.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.models import CreditLedgerEntry
from billing.services import charge_credits, get_balance
from config.errors import APIError
from docgen import SIMPLE_INVOICE_SCHEMA, text_pdf
from extractions.models import Document, Extraction, WebhookEndpoint
from extractions.services import cancel_extraction, derive_status, refund_document, rerun_document
from extractions.services.dispatch import claim_document
from extractions.services.sweeper import sweep_documents
from parsers.models import Parser
from parsers.services import LabelSpec, create_classifier, create_parser
from tests.extractions.helpers import ledger_is_consistent, pdf_upload, refunds, run, submit


def corrupt_stored_file(document_public_id: str) -> None:
    """Damage the stored bytes after page counting accepted them."""
    document = Document.objects.select_related("stored_file").get(public_id=document_public_id)
    from extractions.storage import file_storage

    path = file_storage().path(document.stored_file.storage_key)
    with open(path, "r+b") as fh:
        fh.seek(9)
        fh.write(b"\x00" * (document.size - 20))


def _record_events(monkeypatch) -> list[tuple[str, int]]:
    events: list[tuple[str, int]] = []
    import extractions.webhooks.dispatch as hooks

    monkeypatch.setattr(
        hooks,
        "emit_document_event",
        lambda *, document_id, event: events.append((event, document_id)),
    )
    monkeypatch.setattr(
        hooks,
        "emit_extraction_event",
        lambda *, extraction_id, event: events.append((event, extraction_id)),
    )
    return events


def _lifecycle_events(events: list[tuple[str, int]]) -> list[str]:
    """The events of completing documents and extractions; whether a document also needs a
    review (document.needs_review) depends on the engine's calibrated confidence and is tested
    in tests/webhooks/test_review_events.py."""
    return sorted(e for e, _ in events if e != "document.needs_review")


@pytest.mark.django_db(transaction=True)
def test_eager_end_to_end(eager_celery, client_a, parser_a, org_a, monkeypatch):
    # Events are raised for an organization with a webhook endpoint (see the next test).
    WebhookEndpoint.objects.create(
        organization=org_a.organization, url="https://hooks.example.com/pp", secret="s"
    )
    events = _record_events(monkeypatch)
    ext = submit(
        client_a, parser_a, pdf_upload("a.pdf"), pdf_upload("b.pdf", number="INV-2", pages=2)
    )
    detail = client_a.get(f"/v1/extractions/{ext['extraction_id']}").json()["extraction"]
    assert detail["status"] == "completed"
    assert detail["counts"] == {
        "queued": 0,
        "processing": 0,
        "completed": 2,
        "failed": 0,
        "cancelled": 0,
    }
    doc_id = ext["documents"][1]["document_id"]
    result = client_a.get(f"/v1/extractions/{ext['extraction_id']}/documents/{doc_id}").json()
    assert result["data"]["invoice_number"] == "INV-2"
    assert result["data"]["total"] == 1234.5
    assert result["citations"]["invoice_number"]["page"] == 1
    assert len(result["citations"]["invoice_number"]["bbox"]) == 4
    assert 0 < result["confidence"]["invoice_number"] <= 1
    assert result["extraction_time"] > 0
    assert result["steps"][0]["name"] == "intake"
    assert _lifecycle_events(events) == [
        "document.completed",
        "document.completed",
        "extraction.completed",
    ]
    assert ledger_is_consistent(org_a.organization)


@pytest.mark.django_db(transaction=True)
def test_events_are_built_only_when_a_webhook_can_receive_them(
    eager_celery, client_a, parser_a, org_a, monkeypatch, dns
):
    """No endpoint and no webhook_url: a finished document builds no event (it would read
    the whole result for nobody). An extraction's own webhook_url is enough to get them."""
    events = _record_events(monkeypatch)
    submit(client_a, parser_a)
    assert events == []
    dns["hooks.example.com"] = ["93.184.215.14"]
    # (another file: the same one again would be a duplicate, and raise needs_review too)
    submit(
        client_a, parser_a, pdf_upload(number="INV-2"), webhook_url="https://hooks.example.com/pp"
    )
    assert _lifecycle_events(events) == ["document.completed", "extraction.completed"]


@pytest.mark.django_db
def test_failure_is_refunded_once(client_a, parser_a, org_a):
    ext = submit(client_a, parser_a, pdf_upload(pages=3))
    doc_id = ext["documents"][0]["document_id"]
    assert get_balance(organization=org_a.organization) == 997
    corrupt_stored_file(doc_id)
    assert run(doc_id) == "failed"
    doc = Document.objects.get(public_id=doc_id)
    assert doc.status == "failed"
    assert doc.error_code == "extraction_failed"
    assert doc.error_message
    assert refunds(doc_id) == [3]
    assert get_balance(organization=org_a.organization) == 1000
    # A second delivery of the task, a cancel, a staff refund: none refunds again.
    assert run(doc_id, task_id="task-2") == "gone"
    cancel_extraction(extraction=doc.extraction)
    with pytest.raises(APIError) as exc:
        refund_document(document=doc, staff_user=None, reason="goodwill")
    assert exc.value.code == "ALREADY_REFUNDED"
    assert refunds(doc_id) == [3]
    assert Extraction.objects.get(public_id=ext["extraction_id"]).status == "failed"
    assert ledger_is_consistent(org_a.organization)
    result = client_a.get(f"/v1/extractions/{ext['extraction_id']}/documents/{doc_id}").json()
    assert result["error"] == {"code": "extraction_failed", "message": doc.error_message}
    assert result["data"] is None


@pytest.mark.django_db
def test_partially_failed(client_a, parser_a):
    ext = submit(client_a, parser_a, pdf_upload("ok.pdf"), pdf_upload("bad.pdf", number="X"))
    good, bad = (d["document_id"] for d in ext["documents"])
    corrupt_stored_file(bad)
    assert run(good) == "completed"
    assert Extraction.objects.get(public_id=ext["extraction_id"]).status == "processing"
    assert run(bad) == "failed"
    assert Extraction.objects.get(public_id=ext["extraction_id"]).status == "partially_failed"


@pytest.mark.django_db
def test_cancel_refunds_queued_documents_and_lets_running_ones_finish(client_a, parser_a, org_a):
    ext = submit(client_a, parser_a, pdf_upload("a.pdf", pages=2), pdf_upload("b.pdf", pages=3))
    running, queued = (Document.objects.get(public_id=d["document_id"]) for d in ext["documents"])
    assert claim_document(document_id=running.pk, hostname="w", task_id="t").outcome == "claimed"
    response = client_a.post(f"/v1/extractions/{ext['extraction_id']}/cancel")
    assert response.status_code == 200
    body = response.json()["extraction"]
    assert body["counts"]["cancelled"] == 1 and body["counts"]["processing"] == 1
    assert body["status"] == "processing"
    queued.refresh_from_db()
    assert queued.status == "cancelled"
    assert refunds(queued.public_id) == [3]
    assert get_balance(organization=org_a.organization) == 1000 - 5 + 3
    # Cancelling again changes nothing.
    client_a.post(f"/v1/extractions/{ext['extraction_id']}/cancel")
    assert refunds(queued.public_id) == [3]
    # A late delivery of the cancelled document's task does not run it.
    assert run(queued, task_id="late") == "gone"
    # The running document finishes; nothing cancelled then completed: status completed.
    from extractions.services.dispatch import Claim
    from extractions.services.runner import run_claimed_document

    running.refresh_from_db()
    run_claimed_document(claim=Claim("claimed", running.worker, running))
    assert Extraction.objects.get(public_id=ext["extraction_id"]).status == "completed"
    assert ledger_is_consistent(org_a.organization)


@pytest.mark.django_db
def test_cancel_everything_is_cancelled(client_a, parser_a):
    ext = submit(client_a, parser_a)
    body = client_a.post(f"/v1/extractions/{ext['extraction_id']}/cancel").json()["extraction"]
    assert body["status"] == "cancelled"


def test_derive_status():
    def s(**counts):
        return derive_status(counts)

    assert s(queued=2) == "queued"
    assert s(queued=1, processing=1) == "processing"
    assert s(queued=1, completed=1) == "processing"
    assert s(completed=2) == "completed"
    assert s(completed=1, failed=1) == "partially_failed"
    assert s(failed=2) == "failed"
    assert s(cancelled=2) == "cancelled"
    assert s(completed=1, cancelled=1) == "completed"
    assert s(failed=1, cancelled=1) == "failed"


@pytest.fixture
def classifier_a(org_a, parser_a):
    receipts = create_parser(
        organization=org_a.organization, name="Receipts", schema=SIMPLE_INVOICE_SCHEMA
    )
    # A pricier tier, as the model tier will be (none is offered today).
    Parser.objects.filter(pk=receipts.pk).update(tier="model")
    return create_classifier(
        organization=org_a.organization,
        name="Mail room",
        labels=[
            LabelSpec(name="invoice", keywords=("invoice number",), parser_id=parser_a.public_id),
            LabelSpec(name="receipt", keywords=("cash receipt",), parser_id=receipts.public_id),
        ],
        threshold=0.3,
    )


@pytest.mark.django_db
def test_classifier_routes_and_refunds_the_cheaper_tier(
    client_a, classifier_a, parser_a, org_a, settings
):
    settings.PP_TIER_MULTIPLIERS = {"standard": 1, "model": 3}
    response = client_a.post(
        "/v1/extractions",
        {"classifier_id": classifier_a.public_id, "files": [pdf_upload(pages=2)]},
        format="multipart",
    )
    ext = response.json()["extraction"]
    assert ext["credits_used"] == 6  # the dearest route's tier, 2 pages × 3
    doc_id = ext["documents"][0]["document_id"]
    assert run(doc_id) == "completed"
    doc = Document.objects.get(public_id=doc_id)
    assert doc.classifier_result["label"] == "invoice"
    assert doc.parser_version == parser_a.current_version
    assert doc.initial_output["invoice_number"] == "INV-1001"
    assert doc.credits_used == 2
    assert get_balance(organization=org_a.organization) == 998
    assert Extraction.objects.get(public_id=ext["extraction_id"]).credits_used == 2
    result = client_a.get(f"/v1/extractions/{ext['extraction_id']}/documents/{doc_id}").json()
    assert result["classifier_result"]["label"] == "invoice"
    assert result["parser_id"] == parser_a.public_id
    assert ledger_is_consistent(org_a.organization)


@pytest.mark.django_db
def test_unclassifiable_document_fails_and_is_refunded(client_a, classifier_a, org_a):
    upload = SimpleUploadedFile(
        "poem.pdf", text_pdf("The rain in Spain", "stays mainly in the plain")
    )
    response = client_a.post(
        "/v1/extractions",
        {"classifier_id": classifier_a.public_id, "files": [upload]},
        format="multipart",
    )
    doc_id = response.json()["extraction"]["documents"][0]["document_id"]
    assert run(doc_id) == "failed"
    doc = Document.objects.get(public_id=doc_id)
    assert doc.error_code == "classification_failed"
    assert refunds(doc_id) == [doc.credits_used]
    assert get_balance(organization=org_a.organization) == 1000


@pytest.mark.django_db
def test_fairness_slots_per_organization(client_a, client_b, parser_a, parser_b, org_a, org_b):
    org_a.organization.max_concurrent_documents = 2
    org_a.organization.save()
    ext = submit(client_a, parser_a, *[pdf_upload(f"{i}.pdf", number=f"N{i}") for i in range(5)])
    docs = list(Document.objects.filter(extraction__public_id=ext["extraction_id"]).order_by("id"))
    assert [d.enqueued_at is not None for d in docs] == [True, True, False, False, False]
    # Another organization is not held up by org A's backlog.
    other = submit(client_b, parser_b, *[pdf_upload(f"{i}.pdf") for i in range(3)])
    assert all(
        d.enqueued_at is not None
        for d in Document.objects.filter(extraction__public_id=other["extraction_id"])
    )
    # Two running: a third claim (e.g. a duplicate message) finds no slot and waits.
    assert claim_document(document_id=docs[0].pk, hostname="w", task_id="a").outcome == "claimed"
    assert claim_document(document_id=docs[1].pk, hostname="w", task_id="b").outcome == "claimed"
    assert claim_document(document_id=docs[2].pk, hostname="w", task_id="c").outcome == "no_slot"
    docs[2].refresh_from_db()
    assert docs[2].status == "queued" and docs[2].enqueued_at is None
    # A document finishing hands its slot to the next waiting one.
    from extractions.services.dispatch import Claim, dispatch_org
    from extractions.services.runner import run_claimed_document

    docs[0].refresh_from_db()
    run_claimed_document(claim=Claim("claimed", docs[0].worker, docs[0]))
    assert dispatch_org(organization_id=org_a.organization.pk) == []  # done while finishing
    for d in docs:
        d.refresh_from_db()
    assert [d.status for d in docs] == ["completed", "processing", "queued", "queued", "queued"]
    assert [d.enqueued_at is not None for d in docs[2:]] == [True, False, False]


@pytest.mark.django_db
def test_redelivered_message_reclaims_its_document(client_a, parser_a):
    ext = submit(client_a, parser_a)
    doc = Document.objects.get(public_id=ext["documents"][0]["document_id"])
    assert claim_document(document_id=doc.pk, hostname="w1", task_id="msg-1").outcome == "claimed"
    # Another message for a running document is not allowed to run it ...
    assert claim_document(document_id=doc.pk, hostname="w2", task_id="msg-2").outcome == "gone"
    # ... but the same message redelivered (its worker died) is.
    assert run(doc, task_id="msg-1") == "completed"
    doc.refresh_from_db()
    assert doc.attempts == 2
    assert CreditLedgerEntry.objects.filter(kind="charge", extraction=doc.extraction).count() == 1


@pytest.fixture
def database_up_for(monkeypatch):
    """How long the sweeper believes the database has been reachable (seconds)."""
    from extractions.services import sweeper

    up = {"seconds": 3600.0}
    monkeypatch.setattr(sweeper, "database_up_for", lambda: up["seconds"])
    return up


@pytest.mark.django_db
def test_sweeper_requeues_lost_documents_and_gives_up_after_max_attempts(
    client_a, parser_a, org_a, settings, database_up_for
):
    settings.PP_DOCUMENT_MAX_ATTEMPTS = 2
    ext = submit(client_a, parser_a, pdf_upload("a.pdf"), pdf_upload("b.pdf", pages=2))
    a, b = (Document.objects.get(public_id=d["document_id"]) for d in ext["documents"])
    long_ago = timezone.now() - timedelta(hours=1)
    for doc, attempts in ((a, 1), (b, 2)):
        claim_document(document_id=doc.pk, hostname="dead", task_id=f"t-{doc.pk}")
        Document.objects.filter(pk=doc.pk).update(heartbeat_at=long_ago, attempts=attempts)
    counts = sweep_documents()
    assert counts["requeued"] == 1 and counts["failed"] == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == "queued" and a.worker == "" and a.enqueued_at is not None  # re-dispatched
    assert b.status == "failed" and b.error_code == "internal_error"
    assert refunds(b.public_id) == [2]
    assert run(a, task_id="fresh") == "completed"
    assert ledger_is_consistent(org_a.organization)


@pytest.mark.django_db
def test_a_run_is_dead_after_a_few_missed_heartbeats_not_the_visibility_timeout(
    client_a, parser_a, settings, database_up_for
):
    """Issue #19 item 4: a killed worker's document went back to the queue only after the
    visibility timeout (15 min by default). Now: PP_DOCUMENT_DEAD_AFTER_SECONDS (20 s) of
    silence, once the database has been up that long (right after an outage every heartbeat
    is old: live workers get the time to write the next one)."""
    settings.PP_DOCUMENT_VISIBILITY_TIMEOUT = 900
    assert settings.PP_DOCUMENT_DEAD_AFTER_SECONDS == 20
    ext = submit(client_a, parser_a, pdf_upload("a.pdf"), pdf_upload("b.pdf"))
    dead, alive = (Document.objects.get(public_id=d["document_id"]) for d in ext["documents"])
    for doc, age in ((dead, 25), (alive, 5)):
        claim_document(document_id=doc.pk, hostname="w", task_id=f"t-{doc.pk}")
        Document.objects.filter(pk=doc.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=age)
        )
    database_up_for["seconds"] = 10  # the database just came back: nobody is declared dead
    assert sweep_documents()["requeued"] == 0
    database_up_for["seconds"] = 30
    assert sweep_documents()["requeued"] == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "queued" and dead.enqueued_at is not None  # dispatched again
    assert alive.status == "processing"


@pytest.mark.django_db(transaction=True)
def test_database_up_for_restarts_after_an_error_seen_by_the_sweeper(monkeypatch):
    from django.db import OperationalError

    from extractions.services import sweeper

    monkeypatch.setattr(sweeper, "_sight", sweeper._DatabaseSight())
    sweeper._sight.since = time.monotonic() - 100
    assert sweeper.database_up_for() >= 0  # PostgreSQL: its own start time counts too

    def down(**_):
        raise OperationalError("the database is restarting")

    working = sweeper._sweep
    monkeypatch.setattr(sweeper, "_sweep", down)
    with pytest.raises(OperationalError):
        sweeper.sweep_documents()
    monkeypatch.setattr(sweeper, "_sweep", working)
    assert sweeper.database_up_for() < 1


@pytest.mark.django_db
def test_sweeper_dispatches_documents_whose_publish_was_lost(client_a, parser_a):
    ext = submit(client_a, parser_a)
    doc = Document.objects.get(public_id=ext["documents"][0]["document_id"])
    # Handed to a broker that lost it an hour ago.
    Document.objects.filter(pk=doc.pk).update(enqueued_at=timezone.now() - timedelta(hours=1))
    counts = sweep_documents()
    assert counts["lost"] == 1 and counts["dispatched"] == 1
    doc.refresh_from_db()
    assert doc.enqueued_at > timezone.now() - timedelta(minutes=1)


@pytest.mark.django_db
def test_staff_rerun_charges_again_and_a_second_failure_refunds_again(
    client_a, parser_a, org_a, admin_user
):
    ext = submit(client_a, parser_a, pdf_upload(pages=2))
    doc_id = ext["documents"][0]["document_id"]
    corrupt_stored_file(doc_id)
    run(doc_id)
    assert get_balance(organization=org_a.organization) == 1000
    doc = rerun_document(document=Document.objects.get(public_id=doc_id), staff_user=admin_user)
    assert doc.status == "queued" and doc.reruns == 1
    assert get_balance(organization=org_a.organization) == 998
    assert CreditLedgerEntry.objects.filter(cause_key=f"rerun:{doc_id}:1").exists()
    assert Extraction.objects.get(public_id=ext["extraction_id"]).status in ("queued", "processing")
    assert run(doc, task_id="rerun") == "failed"
    assert refunds(doc_id) == [2, 2]
    assert get_balance(organization=org_a.organization) == 1000
    done = submit(client_a, parser_a)["documents"][0]["document_id"]
    run(done)
    with pytest.raises(APIError) as exc:
        rerun_document(document=Document.objects.get(public_id=done), staff_user=admin_user)
    assert exc.value.code == "DOCUMENT_NOT_RERUNNABLE"
    assert ledger_is_consistent(org_a.organization)


@pytest.mark.django_db
def test_staff_refund_of_a_completed_document_is_once(client_a, parser_a, org_a, admin_user):
    ext = submit(client_a, parser_a, pdf_upload(pages=2))
    doc_id = ext["documents"][0]["document_id"]
    run(doc_id)
    doc = Document.objects.get(public_id=doc_id)
    assert refund_document(document=doc, staff_user=admin_user, reason="bad scan") == 2
    with pytest.raises(APIError):
        refund_document(document=doc, staff_user=admin_user, reason="again")
    entry = CreditLedgerEntry.objects.get(kind="refund", document=doc)
    assert entry.staff_user == admin_user and entry.reason == "bad scan"
    assert get_balance(organization=org_a.organization) == 1000


@pytest.mark.django_db
def test_charge_race_at_submission_is_402_and_leaves_nothing(
    client_a, parser_a, org_a, monkeypatch
):
    """The balance passes the early check but is spent before the charge: 402, nothing kept."""
    import extractions.services.submission as submission

    real = submission.get_balance
    monkeypatch.setattr(submission, "get_balance", lambda **kw: 10**6)
    charge_credits(organization=org_a.organization, credits=999, cause_key="test:spend")
    response = client_a.post(
        "/v1/extractions",
        {"parser_id": parser_a.public_id, "files": [pdf_upload(pages=2)]},
        format="multipart",
    )
    assert response.status_code == 402
    assert Document.objects.count() == 0 and Extraction.objects.count() == 0
    assert real(organization=org_a.organization) == 1


@pytest.mark.django_db
def test_task_retries_named_transient_errors_only(monkeypatch, eager_celery):
    from django.db import OperationalError

    import extractions.tasks as tasks

    calls: list[int] = []
    released: list[int] = []

    def flaky(*, document_id, hostname, task_id):
        calls.append(document_id)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return "completed"

    monkeypatch.setattr(tasks, "run_document", flaky)
    monkeypatch.setattr(
        tasks, "release_claim", lambda *, document_id, token: released.append(document_id)
    )
    tasks.process_document.apply(args=[42], throw=False)  # the retry runs inline (eager)
    assert calls == [42, 42] and released == [42]

    def broken(**kwargs):
        raise ValueError("a bug, not a transient error")

    monkeypatch.setattr(tasks, "run_document", broken)
    result = tasks.process_document.apply(args=[43], throw=False)
    assert result.failed() and isinstance(result.result, ValueError)


@pytest.mark.django_db
def test_the_claims_one_statement_read_matches_the_orm(client_a, parser_a):
    """The claim reads the document and its relations with plain SQL (for speed): every field
    must come back as the ORM would give it (JSON decoded, dates as datetimes, NULL sides)."""
    from extractions.services.dispatch import _read_locking_organization

    ext = submit(client_a, parser_a, pdf_upload(pages=2), pages="1-2")
    doc = Document.objects.get(public_id=ext["documents"][0]["document_id"])
    assert run(doc) == "completed"
    orm = Document.objects.select_related(
        "extraction", "stored_file", "parser_version", "organization"
    ).get(pk=doc.pk)
    read = _read_locking_organization(doc.pk)
    assert read is not None and read.output == orm.output and read.pages_selected == [1, 2]
    for relation in ("", "extraction", "stored_file", "parser_version", "organization"):
        expected = getattr(orm, relation) if relation else orm
        got = getattr(read, relation) if relation else read
        for field in type(expected)._meta.concrete_fields:
            if field.name != "response_body":
                assert getattr(got, field.attname) == getattr(expected, field.attname), field.name
    assert _read_locking_organization(10**9) is None


@pytest.mark.django_db
def test_on_postgresql_the_claim_and_hand_out_run_as_prepared_statements(client_a, parser_a):
    """Planning the claim's five-table read cost PostgreSQL more than running it: the worker's
    hot statements are prepared once per connection (Django's own cursors never are)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    ext = submit(client_a, parser_a, pdf_upload(), pdf_upload("b.pdf", number="B-2"))
    for document in ext["documents"]:
        assert run(document["document_id"]) == "completed"
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "extractions_document" d' in sql for sql in prepared), prepared
    assert any("SET enqueued_at" in sql for sql in prepared), prepared
    # Where they select documents by status (the slot counts, the waiting documents), the
    # statuses are literals, so a generic plan can still use the partial indexes.
    by_status = [sql for sql in prepared if "COUNT(*)" in sql]
    assert by_status and not any("status = $" in sql for sql in by_status), by_status
