"""Reading results: list, detail with incremental polling, the document result, the original
file, page images, review with tracked edits, 410 after retention, tenant isolation."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from extractions.models import Document, DocumentEdit, Extraction
from tests.extractions.helpers import pdf_upload, run, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(client_a, parser_a):
    """A completed two-document extraction of org A."""
    ext = submit(
        client_a, parser_a, pdf_upload("a.pdf"), pdf_upload("b.pdf", number="INV-2", pages=2)
    )
    for d in ext["documents"]:
        assert run(d["document_id"], task_id=d["document_id"]) == "completed"
    return ext


def doc_url(ext, index=0, suffix=""):
    return f"/v1/extractions/{ext['extraction_id']}/documents/{ext['documents'][index]['document_id']}{suffix}"


def test_list_filters_and_cursor_pages(client_a, parser_a, org_a):
    from docgen import SIMPLE_INVOICE_SCHEMA
    from parsers.services import create_parser

    other = create_parser(
        organization=org_a.organization, name="Other", schema=SIMPLE_INVOICE_SCHEMA
    )
    ids = [submit(client_a, parser_a)["extraction_id"] for _ in range(3)]
    other_id = submit(client_a, other)["extraction_id"]
    run(Extraction.objects.get(public_id=ids[0]).documents.get())

    page = client_a.get("/v1/extractions?limit=2").json()
    assert set(page) == {"data", "next_cursor"}
    assert [e["extraction_id"] for e in page["data"]] == [other_id, ids[2]]
    rest = client_a.get(f"/v1/extractions?limit=2&cursor={page['next_cursor']}").json()
    assert [e["extraction_id"] for e in rest["data"]] == [ids[1], ids[0]]
    assert rest["next_cursor"] is None

    by_status = client_a.get("/v1/extractions?status=completed").json()["data"]
    assert [e["extraction_id"] for e in by_status] == [ids[0]]
    by_parser = client_a.get(f"/v1/extractions?parser_id={other.public_id}").json()["data"]
    assert [e["extraction_id"] for e in by_parser] == [other_id]
    future = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert client_a.get(f"/v1/extractions?created_after={future}").json()["data"] == []
    assert len(client_a.get(f"/v1/extractions?created_before={future}").json()["data"]) == 4
    assert client_a.get("/v1/extractions?status=nope").status_code == 400
    assert client_a.get("/v1/extractions?created_after=yesterday").status_code == 400
    bad = client_a.get("/v1/extractions?cursor=garbage")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_CURSOR"


def test_detail_polls_incrementally(client_a, parser_a, settings):
    # Changes count as settled at once here (see the next test for the settling horizon).
    settings.PP_POLL_SETTLE_SECONDS = 0
    ext = submit(client_a, parser_a, *[pdf_upload(f"{i}.pdf", number=f"N{i}") for i in range(3)])
    url = f"/v1/extractions/{ext['extraction_id']}"
    first = client_a.get(url).json()["extraction"]
    assert first["status"] == "queued"
    assert first["counts"]["queued"] == 3
    assert [d["status"] for d in first["documents"]] == ["queued"] * 3
    cursor = first["next_cursor"]
    # Nothing changed: nothing new, and the same cursor to keep polling with.
    idle = client_a.get(f"{url}?cursor={cursor}").json()["extraction"]
    assert idle["documents"] == [] and idle["next_cursor"] == cursor
    # One document runs: only it comes back.
    second_doc = ext["documents"][1]["document_id"]
    run(second_doc)
    changed = client_a.get(f"{url}?cursor={cursor}").json()["extraction"]
    assert [(d["document_id"], d["status"]) for d in changed["documents"]] == [
        (second_doc, "completed")
    ]
    assert changed["status"] == "processing"
    assert changed["counts"] == {
        "queued": 2,
        "processing": 0,
        "completed": 1,
        "failed": 0,
        "cancelled": 0,
    }
    # Pages of a given size, in (updated_at, id) order.
    paged = client_a.get(f"{url}?limit=2").json()["extraction"]
    assert len(paged["documents"]) == 2
    tail = client_a.get(f"{url}?limit=2&cursor={paged['next_cursor']}").json()["extraction"]
    assert [d["document_id"] for d in tail["documents"]] == [second_doc]
    assert client_a.get(f"{url}?cursor=%%%").status_code == 400


def test_poll_cursor_never_passes_changes_that_may_not_be_committed_yet(
    client_a, parser_a, settings
):
    """updated_at is stamped before its transaction commits: document A stamped at t+1 can
    become visible after B, stamped at t+2, was already returned. The cursor stays behind
    changes younger than PP_POLL_SETTLE_SECONDS, so A is returned, not skipped."""
    settings.PP_POLL_SETTLE_SECONDS = 3
    ext = submit(client_a, parser_a, pdf_upload("a.pdf"), pdf_upload("b.pdf", number="N-2"))
    url = f"/v1/extractions/{ext['extraction_id']}"
    a, b = (Document.objects.get(public_id=d["document_id"]) for d in ext["documents"])
    t = timezone.now() + timedelta(minutes=5)

    def poll(at, cursor):
        with time_machine.travel(at, tick=False):
            body = client_a.get(f"{url}?cursor={cursor}" if cursor else url).json()
        detail = body["extraction"]
        return [d["document_id"] for d in detail["documents"]], detail["next_cursor"]

    seen, cursor = poll(t, None)
    assert seen == [a.public_id, b.public_id]
    # B's change commits (stamped t+2); A's (stamped t+1) is still in flight.
    Document.objects.filter(pk=b.pk).update(status="completed", updated_at=t + timedelta(seconds=2))
    seen, cursor = poll(t + timedelta(seconds=2.5), cursor)
    assert seen == [b.public_id]
    Document.objects.filter(pk=a.pk).update(status="completed", updated_at=t + timedelta(seconds=1))
    seen, cursor = poll(t + timedelta(seconds=3), cursor)
    assert seen == [a.public_id, b.public_id]  # A not skipped; B at least once more
    seen, cursor = poll(t + timedelta(seconds=10), cursor)
    assert seen == [a.public_id, b.public_id]  # now settled: the cursor moves past them
    assert poll(t + timedelta(seconds=11), cursor) == ([], cursor)


def test_document_result_fields(client_a, done):
    result = client_a.get(doc_url(done, 1)).json()
    for key in (
        "data",
        "initial_output",
        "reviewed_output",
        "reviewed",
        "edited",
        "edits",
        "citations",
        "confidence",
        "classifier_result",
        "content",
        "page_count",
        "credits_used",
        "extraction_time",
        "steps",
        "error",
        "status",
        "step",
    ):
        assert key in result, key
    assert result["status"] == "completed" and result["error"] is None
    assert result["data"] == result["initial_output"]
    assert result["reviewed_output"] is None and result["reviewed"] is False
    assert result["edited"] is False and result["edits"] == []
    assert result["page_count"] == 2 and result["credits_used"] == 2
    assert "INV-2" in result["content"][0]
    assert set(result["citations"]) == {k for k, v in result["data"].items() if v is not None}
    # In the schema's order (PostgreSQL's jsonb would give paid, total, invoice_date, ...).
    assert list(result["data"]) == ["invoice_number", "invoice_date", "total", "paid"]


def test_original_file_is_served_as_an_attachment(client_a, done):
    response = client_a.get(doc_url(done, 0, "/file"), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="a.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_file_of_unknown_type_is_never_served_as_html(client_a, done):
    Document.objects.filter(public_id=done["documents"][0]["document_id"]).update(
        media_type="text/html"
    )
    response = client_a.get(doc_url(done, 0, "/file"))
    assert response["Content-Type"] == "application/octet-stream"


def test_page_image(client_a, done):
    response = client_a.get(doc_url(done, 1, "/pages/2.png?max_side=400"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert max(image.size) == 400
    assert client_a.get(doc_url(done, 1, "/pages/3.png")).status_code == 404
    assert client_a.get(doc_url(done, 1, "/pages/1.png?max_side=5")).status_code == 400


def test_review_records_one_edit_per_changed_leaf(client_a, member_client, done, org_a):
    url = doc_url(done, 0, "/review")
    response = member_client.patch(
        url, {"output": {"invoice_number": "INV-1001-A", "total": 99.5}}, format="json"
    )
    assert response.status_code == 200, response.json()
    result = response.json()
    assert result["reviewed"] is True and result["edited"] is True
    assert result["data"]["invoice_number"] == "INV-1001-A"
    assert result["data"]["invoice_date"] == "2026-03-14"  # merge patch: untouched field kept
    assert result["initial_output"]["invoice_number"] == "INV-1001"
    assert result["reviewed_output"] == result["data"]
    assert list(result["reviewed_output"]) == ["invoice_number", "invoice_date", "total", "paid"]
    edits = {e["path"]: e for e in result["edits"]}
    assert set(edits) == {"invoice_number", "total"}
    assert edits["total"]["before"] == 1234.5 and edits["total"]["after"] == 99.5
    assert edits["invoice_number"]["user"] == org_a.member.email
    # Again with an API key: edits against the reviewed output, attributed to the key.
    client_a.patch(url, {"output": {"paid": True}}, format="json")
    edit = DocumentEdit.objects.get(path="paid")
    assert (edit.before, edit.after, edit.user, edit.api_key) == (None, True, None, org_a.api_key)
    # The same output again: reviewed, no new edit.
    current = client_a.get(doc_url(done, 0)).json()["data"]
    again = client_a.patch(url, {"output": current}, format="json")
    assert again.status_code == 200
    assert DocumentEdit.objects.count() == 3


@pytest.mark.parametrize(
    "output, path",
    [
        ({"invoice_number": 12}, "invoice_number"),
        ({"total": "lots"}, "total"),
        ({"invoice_date": "14/03/2026"}, "invoice_date"),
        ({"paid": "yes"}, "paid"),
        ({"unknown_field": 1}, "unknown_field"),
        (["not", "an", "object"], "(root)"),
    ],
)
def test_review_is_validated_against_the_schema(client_a, done, output, path):
    response = client_a.patch(doc_url(done, 0, "/review"), {"output": output}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"
    assert response.json()["error"]["details"]["errors"][0]["path"] == path
    assert DocumentEdit.objects.count() == 0
    assert Document.objects.get(public_id=done["documents"][0]["document_id"]).reviewed is False


def test_review_needs_output_and_a_completed_document(client_a, parser_a, done):
    assert (
        client_a.patch(doc_url(done, 0, "/review"), {"total": 1}, format="json").status_code == 400
    )
    queued = submit(client_a, parser_a)
    response = client_a.patch(doc_url(queued, 0, "/review"), {"output": {}}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "DOCUMENT_NOT_READY"


def test_purged_results_answer_410(client_a, done):
    Document.objects.filter(public_id=done["documents"][0]["document_id"]).update(
        results_purged_at=timezone.now(), initial_output=None
    )
    for suffix, method in (
        ("", "get"),
        ("/file", "get"),
        ("/pages/1.png", "get"),
        ("/review", "patch"),
    ):
        response = getattr(client_a, method)(
            doc_url(done, 0, suffix), {"output": {}}, format="json"
        )
        assert response.status_code == 410, suffix
        assert response.json()["error"]["code"] == "RESULT_EXPIRED"


def test_tenant_isolation_on_every_endpoint(client_a, client_b, done, parser_a, parser_b):
    """Org B's key gets 404 for everything of org A, and nothing changes."""
    ext_id = done["extraction_id"]
    doc_id = done["documents"][0]["document_id"]
    before = (
        list(Document.objects.order_by("id").values_list("status", "reviewed", "updated_at")),
        Extraction.objects.get(public_id=ext_id).status,
    )
    calls = [
        ("get", f"/v1/extractions/{ext_id}", "EXTRACTION_NOT_FOUND"),
        ("post", f"/v1/extractions/{ext_id}/cancel", "EXTRACTION_NOT_FOUND"),
        ("get", f"/v1/extractions/{ext_id}/documents/{doc_id}", "EXTRACTION_NOT_FOUND"),
        ("patch", f"/v1/extractions/{ext_id}/documents/{doc_id}/review", "EXTRACTION_NOT_FOUND"),
        ("get", f"/v1/extractions/{ext_id}/documents/{doc_id}/file", "EXTRACTION_NOT_FOUND"),
        ("get", f"/v1/extractions/{ext_id}/documents/{doc_id}/pages/1.png", "EXTRACTION_NOT_FOUND"),
    ]
    for method, url, code in calls:
        response = getattr(client_b, method)(url, {"output": {"total": 1}}, format="json")
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == code, url
    assert client_b.get("/v1/extractions").json()["data"] == []
    assert client_b.get(f"/v1/extractions?parser_id={parser_a.public_id}").json()["data"] == []
    # Org B's own extraction does not open org A's documents either.
    b_ext = submit(client_b, parser_b)["extraction_id"]
    crossed = client_b.get(f"/v1/extractions/{b_ext}/documents/{doc_id}")
    assert crossed.status_code == 404 and crossed.json()["error"]["code"] == "DOCUMENT_NOT_FOUND"
    after = (
        list(
            Document.objects.filter(extraction__public_id=ext_id)
            .order_by("id")
            .values_list("status", "reviewed", "updated_at")
        ),
        Extraction.objects.get(public_id=ext_id).status,
    )
    assert after[0] == before[0][: len(after[0])] and after[1] == before[1]
    assert DocumentEdit.objects.count() == 0
    # Anonymous: 401 everywhere.
    from rest_framework.test import APIClient

    for method, url, _ in calls:
        assert getattr(APIClient(), method)(url).status_code == 401, url
