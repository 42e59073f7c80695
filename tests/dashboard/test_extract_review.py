"""Extract (staging, quote, confirm), progress, review (boxes, edits, history, queue) and
downloads, through the pages; extraction runs in Celery's eager mode here (the browser test
uses a real worker)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing.services import adjust_credits, get_balance
from docgen import LINE_ITEM_INVOICE_SCHEMA, fake_exe, line_item_invoice_pdf
from extractions.models import Document, DocumentEdit, Extraction
from parsers.services import create_parser
from tests.conftest import api_client_for_key
from tests.worker import eager_celery  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def parser(org_a):
    return create_parser(
        organization=org_a.organization, name="Invoices", schema=LINE_ITEM_INVOICE_SCHEMA
    )


def stage(client, name="invoice.pdf", data=None):
    upload = SimpleUploadedFile(
        name, data if data is not None else line_item_invoice_pdf(), "application/pdf"
    )
    return client.post(reverse("web:extract-stage"), {"file": upload})


def extract(client, parser, file_ids, **extra):
    return client.post(
        reverse("web:extract"),
        {"target": parser.public_id, "file_ids": file_ids, "pages": "", **extra},
    )


@pytest.fixture
def done_document(member_web, parser, eager_celery):  # noqa: F811
    staged = stage(member_web).json()
    response = extract(member_web, parser, [staged["file_id"]], idempotency_key="k1")
    assert response.status_code == 302
    return Document.objects.get()


def test_extract_page_without_parser_says_to_design_one(member_web) -> None:
    page = member_web.get(reverse("web:extract"))
    assert b"Design a parser first" in page.content


def test_staging_counts_pages_and_names_unsupported_files(member_web, parser) -> None:
    ok = stage(member_web, data=line_item_invoice_pdf(pages=3))
    assert ok.status_code == 201 and ok.json()["page_count"] == 3
    bad = stage(member_web, name="setup.exe", data=fake_exe())
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "UNSUPPORTED_FILE_TYPE"
    assert "setup.exe" in bad.json()["error"]["message"]


def test_quote_shows_the_cost_before_confirming(member_web, org_a, parser) -> None:
    ids = [
        stage(member_web, data=line_item_invoice_pdf(pages=2)).json()["file_id"],
        stage(member_web).json()["file_id"],
    ]
    balance = get_balance(organization=org_a.organization)
    quote = member_web.post(
        reverse("web:extract-quote"), {"target": parser.public_id, "file_ids": ids, "pages": ""}
    )
    html = quote.content.decode()
    assert "3 credits" in html and f"{balance} → {balance - 3}" in html
    assert 'data-testid="confirm-extract"' in html
    one_page = member_web.post(
        reverse("web:extract-quote"), {"target": parser.public_id, "file_ids": ids, "pages": "1"}
    )
    assert "2 credits" in one_page.content.decode()
    # Nothing charged by quoting.
    assert get_balance(organization=org_a.organization) == balance


def test_quote_and_confirm_with_too_few_credits(member_web, org_a, parser) -> None:
    file_id = stage(member_web, data=line_item_invoice_pdf(pages=2)).json()["file_id"]
    adjust_credits(organization=org_a.organization, delta=-999, reason="test", staff_user=None)
    quote = member_web.post(
        reverse("web:extract-quote"), {"target": parser.public_id, "file_ids": [file_id]}
    )
    html = quote.content.decode()
    assert "needs 2 credits but your balance is 1" in html
    assert reverse("web:billing") in html and 'data-testid="confirm-extract"' not in html
    response = extract(member_web, parser, [file_id])
    assert response.status_code == 402
    assert (
        b"INSUFFICIENT_CREDITS" in response.content
        and reverse("web:billing").encode() in response.content
    )
    assert not Extraction.objects.exists()
    assert get_balance(organization=org_a.organization) == 1


def test_confirm_runs_and_progress_reaches_done(member_web, org_a, parser, eager_celery) -> None:  # noqa: F811
    staged = [
        stage(member_web).json()["file_id"],
        stage(member_web, name="b.pdf").json()["file_id"],
    ]
    before = get_balance(organization=org_a.organization)
    response = extract(member_web, parser, staged, idempotency_key="same")
    extraction = Extraction.objects.get()
    assert response["Location"] == reverse("web:extraction-detail", args=[extraction.public_id])
    assert extraction.source == "dashboard" and extraction.created_by == org_a.member
    # A double click submits again with the same key: still one extraction, one charge.
    extract(member_web, parser, staged, idempotency_key="same")
    assert Extraction.objects.count() == 1
    assert get_balance(organization=org_a.organization) == before - 2
    fragment = member_web.get(reverse("web:extraction-progress", args=[extraction.public_id]))
    html = fragment.content.decode()
    assert 'data-status="completed"' in html and "2 / 2" in html
    assert "hx-trigger" not in html  # finished: polling stops
    assert html.count('data-testid="review-link"') == 2


def test_progress_polls_while_running(member_web, parser) -> None:
    # No worker: the documents stay queued.
    file_id = stage(member_web).json()["file_id"]
    extract(member_web, parser, [file_id])
    extraction = Extraction.objects.get()
    page = member_web.get(reverse("web:extraction-detail", args=[extraction.public_id]))
    html = page.content.decode()
    assert 'hx-trigger="every 1s"' in html and "0 / 1" in html and "Waiting for a worker" in html
    cancel = member_web.post(reverse("web:extraction-cancel", args=[extraction.public_id]))
    assert cancel.status_code == 302
    assert Document.objects.get().status == "cancelled"


def test_review_shows_boxes_and_records_edits(member_web, client_a, org_a, done_document) -> None:
    url = reverse(
        "web:document-review", args=[done_document.extraction.public_id, done_document.public_id]
    )
    page = member_web.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'class="box[^"]*" data-path="invoice_number"', html)
    assert 'data-path="line_items[1].amount"' in html
    # A line-item text wraps (a one-line text area), never cut off by an input's width.
    assert re.search(
        r'<textarea id="f:line_items\[2\].description" name="f:line_items\[2\].description"'
        r"[^>]*data-oneline[^>]*>Safety gloves</textarea>",
        html,
    )
    assert 'value="INV-2024-0042"' in html
    # Edit the invoice number and one line item; keep everything else.
    form = {
        key: value
        for key, value in re.findall(
            r'name="(f:[^"]+)" type="[a-z]+"(?: step="any")? value="([^"]*)"', html
        )
    }
    form.update(re.findall(r'<textarea id="[^"]+" name="(f:[^"]+)"[^>]*>([^<]*)</textarea>', html))
    for key in re.findall(r'<select id="[^"]+" name="(f:[^"]+)"', html):
        form.setdefault(key, "")
    form["f:invoice_number"] = "INV-2024-0043"
    form["f:line_items[0].quantity"] = "13"
    response = member_web.post(url, {**form, "action": "approve"})
    assert response.status_code == 302
    edits = {e.path: e for e in DocumentEdit.objects.filter(document=done_document)}
    assert set(edits) == {"invoice_number", "line_items[0].quantity"}
    assert edits["invoice_number"].before == "INV-2024-0042"
    assert edits["invoice_number"].after == "INV-2024-0043"
    assert edits["invoice_number"].user == org_a.member
    history = member_web.get(url).content.decode()
    assert "INV-2024-0043" in history and org_a.member.email in history
    # The API answers with the reviewed output and the edit.
    api = api_client_for_key(org_a.api_key_secret).get(
        f"/v1/extractions/{done_document.extraction.public_id}/documents/{done_document.public_id}"
    )
    body = api.json()
    assert body["reviewed"] is True and body["data"]["invoice_number"] == "INV-2024-0043"
    assert body["data"]["line_items"][0]["quantity"] == 13
    assert (
        body["data"]["line_items"][1]["amount"] == body["initial_output"]["line_items"][1]["amount"]
    )
    assert {e["path"] for e in body["edits"]} == {"invoice_number", "line_items[0].quantity"}


def test_review_rejects_a_value_of_the_wrong_type_at_the_field(member_web, done_document) -> None:
    url = reverse(
        "web:document-review", args=[done_document.extraction.public_id, done_document.public_id]
    )
    response = member_web.post(
        url, {"f:total": "lots", "f:invoice_number": "X", "action": "approve"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a number" in html and 'value="lots"' in html
    assert not DocumentEdit.objects.exists()
    assert Document.objects.get().reviewed is False


def test_mark_reviewed_without_changes(member_web, done_document) -> None:
    url = reverse(
        "web:document-review", args=[done_document.extraction.public_id, done_document.public_id]
    )
    member_web.post(url, {"action": "mark"})
    done_document.refresh_from_db()
    assert done_document.reviewed is True
    assert not DocumentEdit.objects.exists()


def test_downloads_and_page_image(member_web, done_document) -> None:
    args = [done_document.extraction.public_id, done_document.public_id]
    as_json = member_web.get(reverse("web:document-json", args=args))
    assert as_json["Content-Disposition"].startswith("attachment")
    assert json.loads(as_json.content)["data"]["invoice_number"] == "INV-2024-0042"
    as_csv = member_web.get(reverse("web:document-csv", args=args))
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    header = rows[0]
    # The document's fields first (in the schema's order), then the line items' columns.
    assert set(header[:3]) == {"invoice_number", "invoice_date", "total"}
    assert "line_items.description" in header and len(rows) == 4  # header + 3 line items
    assert rows[1][header.index("invoice_number")] == "INV-2024-0042"
    assert [r[header.index("line_items.amount")] for r in rows[1:]] == ["30.0", "135.0", "60.0"]
    png = member_web.get(reverse("web:document-page", args=[*args, 1]))
    assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert member_web.get(reverse("web:document-page", args=[*args, 2])).status_code == 404


def test_other_organizations_get_404_everywhere(outsider_web, done_document) -> None:
    args = [done_document.extraction.public_id, done_document.public_id]
    for name, extra in (
        ("web:document-review", []),
        ("web:document-json", []),
        ("web:document-csv", []),
        ("web:document-page", [1]),
    ):
        assert outsider_web.get(reverse(name, args=[*args, *extra])).status_code == 404, name
    assert (
        outsider_web.post(reverse("web:document-review", args=args), {"action": "mark"}).status_code
        == 404
    )
    assert outsider_web.get(reverse("web:extraction-detail", args=args[:1])).status_code == 404
    assert outsider_web.post(reverse("web:extraction-cancel", args=args[:1])).status_code == 404
    done_document.refresh_from_db()
    assert done_document.reviewed is False
    assert b"INV-2024" not in outsider_web.get(reverse("web:extractions")).content


def test_extractions_list_filters_and_search(member_web, done_document) -> None:
    listing = member_web.get(reverse("web:extractions"))
    assert done_document.extraction.public_id.encode() in listing.content
    # One highlighted entry in the sidebar: Extractions, not also Extract.
    assert listing.content.count(b'class="active"') == 1
    for q in (
        "invoice.pdf",
        "INVOICE",
        done_document.public_id,
        done_document.extraction.public_id,
    ):
        found = member_web.get(reverse("web:extractions"), {"q": q})
        assert done_document.extraction.public_id.encode() in found.content, q
    missing = member_web.get(reverse("web:extractions"), {"q": "nothing-like-this"})
    assert b"Nothing matches" in missing.content
    failed = member_web.get(reverse("web:extractions"), {"status": "failed"})
    assert done_document.extraction.public_id.encode() not in failed.content


def test_review_queue_oldest_first_with_navigation(member_web, org_a, parser, eager_celery) -> None:  # noqa: F811
    for name in ("first.pdf", "second.pdf"):
        extract(member_web, parser, [stage(member_web, name=name).json()["file_id"]])
    # Every value is below 1: both documents need a person, whatever the calibrated engine says.
    org_a.organization.review_confidence_threshold = 1.0
    org_a.organization.save()
    queue = member_web.get(reverse("web:review-queue")).content.decode()
    assert queue.index("first.pdf") < queue.index("second.pdf")
    start = member_web.post(reverse("web:review-queue-start"))
    first, second = Document.objects.order_by("created_at", "id")
    assert start["Location"].endswith(f"{first.public_id}/?queue=1")
    page = member_web.get(start["Location"]).content.decode()
    assert "1 of 2" in page and 'data-testid="queue-next"' in page
    assert 'data-testid="queue-previous"' not in page
    saved = member_web.post(start["Location"], {"action": "mark"})
    assert saved["Location"].endswith(f"{second.public_id}/?queue=1")
    assert b"first.pdf" not in member_web.get(reverse("web:review-queue")).content
    member_web.post(saved["Location"], {"action": "mark"})
    assert b"Nothing to review" in member_web.get(reverse("web:review-queue")).content


def test_a_submission_without_an_explicit_approval_saves_nothing(member_web, done_document):
    """Enter in a review field submitted the form as "save", which also marked the document
    reviewed. Approving is explicit now: without the Approve button's action, nothing is
    saved and the typed value is kept on the page."""
    url = reverse(
        "web:document-review", args=[done_document.extraction.public_id, done_document.public_id]
    )
    response = member_web.post(url, {"f:invoice_number": "INV-TYPED"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "press Approve" in html and 'value="INV-TYPED"' in html
    done_document.refresh_from_db()
    assert done_document.reviewed is False
    assert not DocumentEdit.objects.exists()


def test_the_extract_page_names_every_type_the_engine_reads(member_web, parser) -> None:
    """The refusal and the drop zone listed PDF, PNG, JPEG, TIFF, WebP while the engine (and
    the API) also read BMP and GIF: both now come from the engine's one list."""
    from extractions.engine import FORMATS
    from tests.reliability.mutants import image_bytes

    names = [name for name, _ in FORMATS.values()]
    assert {"BMP", "GIF"} <= set(names)
    for fmt in ("BMP", "GIF"):
        staged = stage(member_web, name=f"scan.{fmt.lower()}", data=image_bytes(fmt, (200, 80)))
        assert staged.status_code == 201, staged.content
        assert staged.json()["page_count"] == 1
    refused = stage(member_web, name="setup.exe", data=fake_exe()).json()["error"]
    assert all(name in refused["message"] for name in names), refused["message"]
    page = member_web.get(reverse("web:extract")).content.decode()
    hint = re.search(r'data-testid="supported-formats">([^<]*)<', page).group(1)
    assert all(name in hint for name in names), hint
    accept = re.search(r'id="file-input"[^>]*accept="([^"]*)"', page).group(1)
    assert all(ext in accept for _, exts in FORMATS.values() for ext in exts), accept


def test_one_credit_is_one_credit_not_1_credits(member_web, client_a, org_a, parser) -> None:
    """The quote said "This needs 1 credits"; the API's 402 too."""
    file_id = stage(member_web).json()["file_id"]  # one page
    adjust_credits(organization=org_a.organization, delta=-1000, reason="test", staff_user=None)
    quote = member_web.post(
        reverse("web:extract-quote"), {"target": parser.public_id, "file_ids": [file_id]}
    ).content.decode()
    assert "This needs 1 credit but your balance is 0" in quote
    assert "1 credits" not in quote
    refused = client_a.post(
        "/v1/extractions",
        {
            "parser_id": parser.public_id,
            "files": [SimpleUploadedFile("a.pdf", line_item_invoice_pdf(), "application/pdf")],
        },
        format="multipart",
    )
    assert refused.status_code == 402
    assert refused.json()["error"]["message"].startswith("This needs 1 credit but the balance")
