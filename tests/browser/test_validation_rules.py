"""Validation rules end to end in Chromium: designed in the schema designer (a bound on a field,
the line items' roles, which total they add up to), saved with the schema, run on a
document, and a failing rule shown at its field on the review page — which opens on that
flagged field — and still approves."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from docgen import LINE_ITEM_INVOICE_SCHEMA, line_item_invoice_pdf
from extractions.models import Document
from parsers.models import Parser
from parsers.services import create_parser
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD, api_client_for_key
from tests.dashboard.test_validation_pages import RULED
from tests.extractions.helpers import submit
from tests.worker import eager_celery  # noqa: F401  (fixture)


def log_in(page, user) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("home-balance")).to_be_visible()


def field_box(page, name: str):
    return page.locator(f'.fld[data-name="{name}"]').first


@pytest.mark.django_db(transaction=True)
def test_design_a_rule_and_see_it_fail_on_the_review_page(page, org_a, eager_celery) -> None:  # noqa: F811
    parser = create_parser(
        organization=org_a.organization, name="Invoices", schema=LINE_ITEM_INVOICE_SCHEMA
    )
    log_in(page, org_a.member)
    page.goto(f"/parsers/{parser.public_id}/")

    # A bound on the total, typed in its Rules row: the JSON view follows.
    field_box(page, "total").get_by_test_id("rule-minimum").fill("500")
    field_box(page, "total").get_by_test_id("rule-role").select_option("gross")
    # The list is the line items; its columns get their roles.
    field_box(page, "line_items").get_by_test_id("rule-line-items").check()
    for column in ("quantity", "unit_price", "amount"):
        field_box(page, column).get_by_test_id("rule-role").select_option(column)
    page.get_by_test_id("sum-to").select_option("gross")
    active = page.get_by_test_id("active-check")
    expect(active).to_have_count(2)
    expect(active.nth(0)).to_contain_text("Quantity × unit price = amount")
    expect(active.nth(1)).to_contain_text("Line amounts add up to total")
    schema = json.loads(page.locator("textarea[name=schema]").input_value())
    assert schema["properties"]["total"]["minimum"] == 500
    assert schema == RULED  # what the dashboard test saves by posting the JSON
    expect(page.locator("#json-status")).to_have_text("✓ Valid schema")
    shoot(page, "designer-rules", full_page=True)

    # Renaming a field keeps its role: the block follows the new name.
    field_box(page, "total").locator(".fld-name").fill("grand_total")
    page.keyboard.press("Tab")
    schema = json.loads(page.locator("textarea[name=schema]").input_value())
    assert schema["x-validation"]["roles"] == {"gross": "grand_total"}
    assert schema["x-validation"]["line_items"]["sum_to"] == "gross"
    field_box(page, "grand_total").locator(".fld-name").fill("total")
    page.keyboard.press("Tab")

    with page.expect_navigation():
        page.get_by_test_id("save-parser").click()
    parser = Parser.objects.get(pk=parser.pk)
    assert parser.current_version.number == 2
    assert parser.current_version.schema["x-validation"]["line_items"]["sum_to"] == "gross"
    # Reopened, the designer shows the rules it saved.
    expect(field_box(page, "total").get_by_test_id("rule-minimum")).to_have_value("500")
    expect(field_box(page, "amount").get_by_test_id("rule-role")).to_have_value("amount")

    # A document: its total (225.00) is under the minimum, its lines add up. Only rules flag
    # values here, not confidence.
    parser.review_confidence_threshold = 0.0
    parser.save(update_fields=["review_confidence_threshold"])
    submit(
        api_client_for_key(org_a.api_key_secret),
        parser,
        SimpleUploadedFile("inv.pdf", line_item_invoice_pdf(), "application/pdf"),
    )
    document = Document.objects.get()
    assert document.status == "completed"
    page.goto(f"/extractions/{document.extraction.public_id}/documents/{document.public_id}/")
    total = page.locator('.rv-field[data-field-path="total"]')
    expect(total.get_by_test_id("rule-failure")).to_have_text("Minimum: 225 is below 500")
    # The page opens on the first flagged value, its box shown on the page image.
    expect(total.locator("input")).to_be_focused()
    expect(page.locator('.box.active[data-path="total"]')).to_be_visible()
    expect(page.get_by_test_id("flagged-count")).to_have_text("1 flagged")
    expect(page.get_by_test_id("failed-checks")).to_have_text("1 failing")
    checks = page.get_by_test_id("validation-results")
    checks.locator("summary").click()
    expect(checks).to_contain_text("Line amounts add up to the total")
    expect(checks).to_contain_text("Quantity × unit price = amount")
    shoot(page, "review-rules", full_page=True)

    # The rule is soft: approving saves, says so, and keeps the failure on record.
    with page.expect_navigation():
        page.get_by_test_id("approve-review").click()
    expect(page.get_by_test_id("reviewed-badge")).to_be_visible()
    expect(page.locator(".alert-warning")).to_contain_text("1 validation rule still fails")
    document.refresh_from_db()
    assert document.reviewed and document.rule_failures == 1
    assert not page.js_errors, page.js_errors
