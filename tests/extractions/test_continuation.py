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


def test_a_kept_document_is_published_if_the_task_fails_before_running_it(monkeypatch):
    published: list[list[int]] = []

    def send(document_ids):
        published.append(list(document_ids))

    from extractions import tasks

    monkeypatch.setattr(tasks.process_document, "apply_async", lambda **kw: send(kw["args"]))
    with continuation(open=True) as kept:
        dispatch.publish([7, 8, 9])
    assert kept.taken == 7 and published == [[8], [9]]

    published.clear()
    with pytest.raises(RuntimeError), continuation(open=True) as kept:
        dispatch.publish([7, 8])
        raise RuntimeError("the run failed after the outcome was committed")
    assert published == [[8], [7]] and kept.taken is None

    published.clear()
    with continuation(open=False) as kept:
        dispatch.publish([7, 8])
    assert kept.taken is None and published == [[7], [8]]
    # Outside a task nothing is kept.
    dispatch.publish([5])
    assert published[-1] == [5]


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
        if document_id == 1:
            dispatch.publish([2])  # what finishing document 1 hands out
            return "completed"
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks, "run_document", run_document)
    monkeypatch.setattr(
        tasks, "release_claim", lambda *, document_id, token: released.append(document_id)
    )
    monkeypatch.setattr(tasks, "publish", lambda ids: resent.extend(ids))
    assert tasks.process_document.apply(args=[1]).get() == "completed"
    assert runs == [1, 2] and released == [2] and resent == [2]
