"""A task that finished a document runs its organization's next one itself (no message each),
within PP_TASK_CONTINUE_SECONDS, without weakening the slot cap or losing documents."""

from __future__ import annotations

import pytest

from extractions.models import Document
from extractions.services import dispatch
from extractions.services.dispatch import continuation
from tests.extractions.helpers import ledger_is_consistent, pdf_upload, submit


def _count_messages(monkeypatch) -> list[int]:
    """Document ids of the task messages sent (the eager task still runs)."""
    from extractions import tasks

    sent: list[int] = []
    original = tasks.process_document.apply_async

    def recording(*args, **kwargs):
        sent.append(kwargs["args"][0])
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks.process_document, "apply_async", recording)
    return sent


def _four_documents(client, parser) -> list[Document]:
    ext = submit(client, parser, *[pdf_upload(f"{i}.pdf", number=f"N-{i}") for i in range(4)])
    return list(Document.objects.filter(extraction__public_id=ext["extraction_id"]))


@pytest.mark.parametrize("budget", [60, 0])
@pytest.mark.django_db(transaction=True)
def test_one_message_runs_an_organizations_queue_within_the_budget(
    budget, eager_celery, client_a, parser_a, org_a, monkeypatch, settings
):
    settings.PP_TASK_CONTINUE_SECONDS = budget
    org_a.organization.max_concurrent_documents = 1
    org_a.organization.save(update_fields=["max_concurrent_documents"])
    sent = _count_messages(monkeypatch)
    documents = _four_documents(client_a, parser_a)
    assert {d.status for d in documents} == {"completed"}
    if budget:
        # The submission handed out the one free slot; every later document was kept by the
        # task that finished the one before it.
        assert sent == [min(d.pk for d in documents)]
    else:
        assert sorted(sent) == sorted(d.pk for d in documents)
    assert ledger_is_consistent(org_a.organization)


@pytest.fixture
def waiting(client_a, parser_a, org_a, monkeypatch) -> tuple[list[Document], list[list[int]]]:
    """Four queued documents of one extraction, none handed to the broker yet (the
    organization has 2 slots), and the ids each ``publish`` call sends from now on."""
    monkeypatch.setattr(dispatch, "publish", lambda ids: None)
    documents = _four_documents(client_a, parser_a)
    Document.objects.filter(extraction_id=documents[0].extraction_id).update(enqueued_at=None)
    org_a.organization.max_concurrent_documents = 2
    org_a.organization.save(update_fields=["max_concurrent_documents"])
    published: list[list[int]] = []
    monkeypatch.setattr(dispatch, "publish", lambda ids: published.append(list(ids)))
    return sorted(documents, key=lambda d: d.pk), published


@pytest.mark.django_db(transaction=True)
def test_the_next_document_is_claimed_in_the_transaction_that_hands_it_out(waiting, org_a):
    (first, second, *_), published = waiting

    with continuation(open=True, hostname="host", task_id="task-9") as kept:
        dispatch.dispatch_org(organization_id=org_a.organization.pk)
    # The oldest one is this task's own (claimed, so no second delivery can run it); the
    # other free slot goes to the broker.
    assert kept.taken == first.pk and published == [[second.pk]]
    first.refresh_from_db()
    assert first.status == "processing" and first.worker.endswith("/task-9")
    assert first.enqueued_at is not None  # it holds its slot like a published one
    assert kept.claim.document.extraction.status == "processing"
    assert Document.objects.filter(status="queued", enqueued_at__isnull=True).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_kept_document_is_given_back_and_published_if_the_task_fails_before_running_it(
    waiting, org_a
):
    (first, second, *_), published = waiting

    with pytest.raises(RuntimeError), continuation(open=True, task_id="t") as kept:
        dispatch.dispatch_org(organization_id=org_a.organization.pk)
        raise RuntimeError("the run failed after the outcome was committed")
    assert published == [[second.pk], [first.pk]] and kept.taken is None
    first.refresh_from_db()
    assert (first.status, first.worker) == ("queued", "") and first.enqueued_at is not None


@pytest.mark.django_db(transaction=True)
def test_nothing_is_kept_when_the_continuation_is_closed_or_its_transaction_rolls_back(
    waiting, org_a
):
    from django.db import transaction

    (first, second, *_), published = waiting

    with pytest.raises(RuntimeError), continuation(open=True, task_id="t") as kept:
        with transaction.atomic():
            dispatch.dispatch_org(organization_id=org_a.organization.pk)
            raise RuntimeError("rolled back")
    assert kept.taken is None and published == []
    assert Document.objects.filter(status="queued", enqueued_at__isnull=True).count() == 4

    with continuation(open=False) as kept:
        dispatch.dispatch_org(organization_id=org_a.organization.pk)
    assert kept.taken is None and published == [[first.pk, second.pk]]


@pytest.mark.django_db
def test_a_transient_error_in_a_kept_document_hands_it_to_its_own_message(
    monkeypatch, eager_celery, settings
):
    from django.db import OperationalError

    from extractions import tasks

    settings.PP_TASK_CONTINUE_SECONDS = 60
    runs: list[int] = []
    released: list[int] = []
    resent: list[int] = []

    def run_document(*, document_id, hostname, task_id):
        runs.append(document_id)
        # What finishing document 1 does: it claims the organization's next one for this task.
        kept = dispatch._continuations.current
        kept.claim = dispatch.Claim("claimed", "token", Document(pk=2))
        return "completed"

    def run_claimed_document(*, claim):
        runs.append(claim.document.pk)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks, "run_document", run_document)
    monkeypatch.setattr(tasks, "run_claimed_document", run_claimed_document)
    monkeypatch.setattr(
        dispatch, "release_claim", lambda *, document_id, token: released.append(document_id)
    )
    monkeypatch.setattr(dispatch, "publish", lambda ids: resent.extend(ids))
    assert tasks.process_document.apply(args=[1]).get() == "completed"
    assert runs == [1, 2] and released == [2] and resent == [2]


@pytest.mark.django_db(transaction=True)
def test_claiming_the_next_document_does_not_deadlock_a_worker_finishing_its_extraction(
    waiting, org_a
):
    """A worker finishing a batch document locks the extraction, then the organization; the
    continuation's claim holds the organization and must not need the extraction's row at
    commit. (Handing the document out and then claiming it updated its row twice in one
    transaction, which makes PostgreSQL re-check the row's foreign keys at commit: KEY SHARE
    on the extraction, held by the other worker: deadlock, one of them killed after 1 s.)"""
    import threading
    import time

    from django.db import connection, connections, transaction

    from accounts.models import Organization
    from extractions.models import Extraction

    if not connection.features.has_select_for_update:
        pytest.skip("SQLite has no row locks")
    (first, *_), _ = waiting
    # Another of its documents is running (the one the other worker is finishing).
    Extraction.objects.filter(pk=first.extraction_id).update(status="processing")
    extraction_locked, organization_taken = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def other_worker_finishing() -> None:
        try:
            with transaction.atomic():
                Extraction.objects.select_for_update().get(pk=first.extraction_id)
                extraction_locked.set()
                organization_taken.wait(10)
                Organization.objects.select_for_update().get(pk=org_a.organization.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    other = threading.Thread(target=other_worker_finishing)
    other.start()
    assert extraction_locked.wait(10)
    with continuation(open=True, task_id="t") as kept, transaction.atomic():
        dispatch.dispatch_org(organization_id=org_a.organization.pk)
        organization_taken.set()
        time.sleep(0.3)  # the other worker now waits for the organization
    other.join(15)
    assert not other.is_alive() and errors == []
    assert kept.taken == first.pk
