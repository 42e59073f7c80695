"""Reviewing by keyboard in a real browser: Enter in a field never saves nor approves (it
used to save and mark the document reviewed); the approve shortcut is listed on the page and
Ctrl+Enter approves with the corrections typed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from docgen import LINE_ITEM_INVOICE_SCHEMA as INVOICE_SCHEMA
from docgen import line_item_invoice_pdf as invoice_pdf
from extractions.models import Document, DocumentEdit
from parsers.services import create_parser
from tests.conftest import PASSWORD, api_client_for_key
from tests.worker import eager_celery  # noqa: F401  (fixture)


@pytest.fixture
def review_page(page, org_a, eager_celery):  # noqa: F811
    """A completed invoice of org A (run in this process), its review page open for the
    member."""
    parser = create_parser(organization=org_a.organization, name="Invoices", schema=INVOICE_SCHEMA)
    submitted = api_client_for_key(org_a.api_key_secret).post(
        "/v1/extractions",
        {
            "parser_id": parser.public_id,
            "files": [SimpleUploadedFile("invoice.pdf", invoice_pdf(), "application/pdf")],
        },
        format="multipart",
    )
    assert submitted.status_code == 202, submitted.content
    document = Document.objects.get()
    assert document.status == "completed"
    page.goto("/login/")
    page.get_by_label("Email").fill(org_a.member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("home-balance")).to_be_visible()
    page.goto(f"/extractions/{document.extraction.public_id}/documents/{document.public_id}/")
    expect(page.get_by_test_id("review-form")).to_be_visible()
    return document


@pytest.mark.django_db(transaction=True)
def test_enter_does_not_approve_and_ctrl_enter_does(page, review_page) -> None:
    document = review_page
    shortcuts = page.get_by_test_id("review-shortcuts")
    expect(shortcuts).to_contain_text("Ctrl")
    expect(shortcuts).to_contain_text("Enter")

    field = page.get_by_label("Invoice number")
    field.fill("INV-2024-0099")
    field.press("Enter")
    page.get_by_label("Total").press("Enter")
    page.wait_for_timeout(800)  # a submission would have navigated by now
    expect(page.get_by_label("Invoice number")).to_have_value("INV-2024-0099")
    document.refresh_from_db()
    assert document.reviewed is False
    assert not DocumentEdit.objects.exists()

    with page.expect_navigation():
        page.get_by_label("Invoice number").press("Control+Enter")
    expect(page.get_by_test_id("reviewed-badge")).to_be_visible()
    document.refresh_from_db()
    assert document.reviewed is True
    edits = list(DocumentEdit.objects.filter(document=document))
    assert [(e.path, e.after) for e in edits] == [("invoice_number", "INV-2024-0099")]
    assert not page.js_errors, page.js_errors
