"""Support corrects a line-item cell in the admin, in a real browser: the page image with its
cited boxes beside the dashboard's generated form, a reason, saved as PerfectParser support."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from docgen import LINE_ITEM_INVOICE_SCHEMA as INVOICE_SCHEMA
from docgen import line_item_invoice_pdf as invoice_pdf
from extractions.models import Document, DocumentEdit
from parsers.services import create_parser
from support.models import SupportAction
from tests.admin.conftest import support_user  # noqa: F401  (fixture)
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD, api_client_for_key
from tests.worker import eager_celery  # noqa: F401  (fixture)


@pytest.mark.django_db(transaction=True)
def test_support_corrects_a_line_item_cell_in_the_admin(
    page,
    org_a,
    support_user,  # noqa: F811
    eager_celery,  # noqa: F811
) -> None:
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
    before = document.output["line_items"][1]["amount"]

    page.goto("/admin/login/")
    page.fill("#id_username", support_user.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/extractions/document/{document.pk}/change/")
    page.get_by_test_id("open-review").click()

    expect(page.get_by_test_id("support-review-form")).to_be_visible()
    image = page.get_by_test_id("page-image").first
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=page-image]')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.get_by_test_id("box").count() > 0

    cell = page.locator('input[name="f:line_items[1].amount"]')
    cell.click()
    # Focusing the cell shows its cited box on the page (boxes.js, shared with the dashboard).
    expect(page.locator('.box.active[data-path="line_items[1].amount"]')).to_have_count(1)
    cell.fill("136.50")
    page.get_by_test_id("support-reason").fill("Customer sent the corrected invoice")
    shoot(page, "admin-support-review")
    with page.expect_navigation():
        page.get_by_test_id("support-save").click()

    expect(page.get_by_test_id("reviewed-badge")).to_contain_text("PerfectParser support")
    history = page.get_by_test_id("edit-history")
    expect(history).to_contain_text("line_items[1].amount")
    expect(history).to_contain_text("Customer sent the corrected invoice")

    document.refresh_from_db()
    assert document.output["line_items"][1]["amount"] == 136.5
    assert document.review_source == "support"
    (edit,) = DocumentEdit.objects.filter(document=document)
    assert (edit.path, edit.before, edit.after) == ("line_items[1].amount", before, 136.5)
    assert edit.staff_user == support_user
    assert SupportAction.objects.get().kind == "edit"
    assert not page.js_errors, page.js_errors


@pytest.mark.django_db(transaction=True)
def test_support_views_the_dashboard_as_the_customer_read_only(
    page,
    org_a,
    support_user,  # noqa: F811
) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", support_user.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/accounts/organization/{org_a.organization.pk}/change/")
    form = page.get_by_test_id("view-as-form")
    form.get_by_label("Reason").fill("Ticket 5150: the customer cannot find their keys")
    with page.expect_navigation():
        page.get_by_test_id("view-as-submit").click()

    banner = page.get_by_test_id("view-as-banner")
    expect(banner).to_contain_text("Org A")
    expect(page.get_by_test_id("sidebar-balance")).to_have_text("1000")
    page.goto("/api-keys/")
    expect(page.get_by_text(org_a.api_key.prefix)).to_be_visible()
    # Creating a key is refused: read-only.
    response = page.request.post("/api-keys/", form={"name": "x"})
    assert response.status == 403

    with page.expect_navigation():
        page.get_by_test_id("stop-view-as").click()
    assert f"/admin/accounts/organization/{org_a.organization.pk}/change/" in page.url
    assert SupportAction.objects.get().kind == "view_as"
    assert not page.js_errors, page.js_errors
