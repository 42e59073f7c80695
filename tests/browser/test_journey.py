"""The dashboard end to end in a real browser, with a real Celery worker:

sign up → API key → design a parser with line items (fields and JSON in sync, an error shown
at its field, "try it") → upload a generated invoice PDF → progress reaches done without a
reload → review shows boxes over the page → edit a value → the edit is in the history and in
GET /v1/extractions/{id}/documents/{doc_id} → the billing page shows the charge.

Screenshots of the main pages are saved under docs/screenshots/ on the way.
"""

from __future__ import annotations

import json
import re

import pytest
import requests
from django.core import mail
from playwright.sync_api import expect

from billing.models import CreditLedgerEntry, CreditPack
from docgen import line_item_invoice_pdf
from extractions.models import Document
from tests.browser.conftest import csp_violations, shoot

PASSWORD = "a-long-browser-password"


def add_field(page, name: str, kind: str | None = None, *, button: str = "add-field") -> None:
    page.get_by_test_id(button).click()
    # The new field's name input is focused and selected.
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    field = page.locator(f'.fld[data-name="{name}"]').first
    if kind:
        field.locator("select.fld-kind").first.select_option(kind)
    return field


def nav(page, name: str) -> None:
    # Wait for the new page's load event: its inputs exist before its deferred scripts bind
    # them, and a file set in between was silently ignored (the upload never appeared).
    with page.expect_navigation(wait_until="load"):
        page.locator("nav.nav").get_by_role("link", name=name, exact=True).click()


def schema_in_editor(page) -> dict:
    return json.loads(page.locator("textarea[name=schema]").input_value())


@pytest.mark.django_db(transaction=True)
def test_sign_up_design_extract_review_and_bill(
    page, live_server, live_worker, tmp_path, settings
) -> None:
    settings.PP_SIGNUP_FREE_CREDITS = 50
    sample = tmp_path / "invoice.pdf"
    sample.write_bytes(line_item_invoice_pdf())

    # --- Sign up (an organization and its owner, with the sign-up credits) -------------------
    page.goto("/login/")
    shoot(page, "login")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Organization").fill("Acme Accounts Payable")
    page.get_by_label("Email").fill("ada@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    shoot(page, "signup")
    page.get_by_role("button", name="Create account").click()
    # The free credits come with the link sent to the address (Django's locmem mail here).
    expect(page.get_by_test_id("signup-sent")).to_be_visible()
    (message,) = mail.outbox
    page.goto(re.search(r"https?://\S+/verify/\S+/", message.body).group(0))
    expect(page.get_by_test_id("home-balance")).to_have_text("50")
    expect(page.get_by_text("Get started")).to_be_visible()
    shoot(page, "overview")

    # --- An API key, shown once -------------------------------------------------------------
    nav(page, "API keys")
    page.get_by_label("Name").fill("Back office")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_test_id("new-key-secret").inner_text().strip()
    assert secret.startswith("pp_live_")
    expect(page.get_by_test_id("key-scope").first).to_have_text("Extract")
    shoot(page, "api-keys", full_page=True)

    # --- Design a parser with a line-items group ----------------------------------------------
    nav(page, "Parsers")
    expect(page.get_by_text("Design your first parser")).to_be_visible()
    page.get_by_test_id("new-parser").click()
    page.get_by_label("Name", exact=True).fill("Supplier invoices")
    add_field(page, "invoice_number")
    add_field(page, "invoice_date", "date")
    add_field(page, "total", "number")
    items = add_field(page, "line_items", button="add-list")
    # A list starts with two columns: rename them, then add two more.
    columns = items.locator(".fld-children .fld-name")
    columns.nth(0).fill("description")
    columns.nth(1).fill("quantity")
    items.locator(".fld-children .fld").nth(1).locator("select.fld-kind").select_option("number")
    for name in ("unit_price", "amount"):
        items.get_by_role("button", name="+ Add column").click()
        page.keyboard.type(name)
        page.keyboard.press("Tab")
        page.locator(f'.fld[data-name="{name}"] select.fld-kind').select_option("number")
    page.locator('.fld[data-name="total"] [data-act=description]').fill("Total amount due")
    expect(page.locator("#json-status")).to_have_text("✓ Valid schema")
    schema = schema_in_editor(page)
    assert list(schema["properties"]) == ["invoice_number", "invoice_date", "total", "line_items"]
    assert schema["properties"]["invoice_date"] == {"type": "string", "format": "date"}
    assert schema["properties"]["total"]["description"] == "Total amount due"
    line_item = schema["properties"]["line_items"]["items"]["properties"]
    assert list(line_item) == ["description", "quantity", "unit_price", "amount"]
    assert line_item["amount"] == {"type": "number"}

    # Reorder: move "total" above "invoice_date".
    page.locator('.fld[data-name="total"]').get_by_role("button", name="Move up").click()
    assert list(schema_in_editor(page)["properties"])[:3] == [
        "invoice_number",
        "total",
        "invoice_date",
    ]

    # Edit the JSON directly: the field list follows, and the server's error shows at the field.
    broken = schema_in_editor(page)
    broken["properties"]["total"]["type"] = "float"
    editor = page.locator("textarea[name=schema]")
    editor.fill(json.dumps(broken, indent=2))
    total_field = page.locator('.fld[data-name="total"]')
    expect(total_field).to_have_class(re.compile("has-error"))
    expect(total_field.locator("[data-role=error]")).to_contain_text('use "number"')
    shoot(page, "designer-error")
    fixed = json.loads(editor.input_value())
    fixed["properties"]["total"]["type"] = "number"
    fixed["properties"]["total"]["x-aliases"] = ["Total due", "Amount due"]
    editor.fill(json.dumps(fixed, indent=2))
    expect(total_field).not_to_have_class(re.compile("has-error"))
    expect(total_field.locator("[data-act=aliases]")).to_have_value("Total due, Amount due")
    expect(page.locator("#json-status")).to_have_text("✓ Valid schema")

    # Try it on the sample before saving: values next to the page, with boxes.
    page.get_by_test_id("try-tab").click()
    page.get_by_test_id("try-file").set_input_files(str(sample))
    values = page.get_by_test_id("try-values")
    expect(values).to_contain_text("INV-2024-0042")
    expect(values).to_contain_text("225")
    expect(page.locator("#try-result .box").first).to_be_visible()
    shoot(page, "designer", full_page=True)
    page.get_by_test_id("save-parser").click()
    expect(page.get_by_text("schema version 1 is now live")).to_be_visible()

    # A second version, and the difference between the two.
    add_field(page, "po_number")
    page.locator('.fld[data-name="po_number"] [data-act=description]').fill("Purchase order number")
    expect(page.locator("#json-status")).to_have_text("✓ Valid schema")
    page.get_by_test_id("save-parser").click()
    expect(page.get_by_text("schema version 2 is now live")).to_be_visible()
    page.get_by_role("link", name=re.compile("^History")).click()
    expect(page.get_by_test_id("field-changes")).to_contain_text("po_number")
    expect(page.get_by_test_id("json-diff").locator(".add").first).to_be_visible()
    shoot(page, "versions")

    # --- Extract: drop the invoice, see the cost, confirm -----------------------------------
    nav(page, "Extract")
    page.get_by_test_id("file-input").set_input_files(str(sample))
    expect(page.get_by_test_id("file-list")).to_contain_text("1 page", timeout=30_000)
    expect(page.get_by_test_id("quote-credits")).to_have_text("1 credit")
    shoot(page, "extract")
    page.get_by_test_id("confirm-extract").click()

    # --- Live progress, updated by htmx polling (no reload) --------------------------------
    progress = page.get_by_test_id("progress")
    page.evaluate("window.__noReload = true")
    expect(progress).to_have_attribute("data-status", "completed", timeout=60_000)
    expect(page.get_by_test_id("progress-count")).to_have_text("1 / 1")
    assert page.evaluate("window.__noReload === true"), "the page reloaded"
    shoot(page, "progress")
    review_url = page.get_by_test_id("review-link").first.get_attribute("href")

    # --- Review queue: raise the threshold so that every value needs a look ---------------
    nav(page, "Settings")
    page.get_by_label("Review threshold").fill("1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    nav(page, "Review queue")
    expect(page.get_by_test_id("queue-table")).to_contain_text("invoice.pdf")
    shoot(page, "review-queue")
    page.get_by_test_id("start-review").click()
    expect(page.get_by_text("Review queue: 1 of 1")).to_be_visible()

    # --- Review: boxes over the page image; clicking a field highlights its box -------------
    expect(page.get_by_test_id("page-image").first).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=page-image]'); return i && i.complete && i.naturalWidth > 0 }"
    )
    boxes = page.get_by_test_id("box")
    assert boxes.count() >= 4
    invoice_box = page.locator('.box[data-path="invoice_number"]')
    box_geometry = invoice_box.bounding_box()
    image_geometry = page.get_by_test_id("page-image").first.bounding_box()
    assert box_geometry["width"] > 10 and box_geometry["height"] > 5
    assert image_geometry["x"] <= box_geometry["x"] <= image_geometry["x"] + image_geometry["width"]
    page.get_by_label("Invoice number").click()
    expect(invoice_box).to_have_class(re.compile("active"))
    expect(page.get_by_test_id("items-table")).to_be_visible()
    shoot(page, "review")

    # Correct the total and a line item, save.
    page.get_by_label("Total").fill("230.00")
    page.locator('input[name="f:line_items[2].quantity"]').fill("11")
    page.get_by_test_id("approve-review").click()
    expect(page.get_by_text("Saved 2 changes")).to_be_visible()
    expect(page.get_by_text("The review queue is empty")).to_be_visible()
    page.goto(review_url)
    history = page.get_by_test_id("edit-history")
    expect(history).to_contain_text("total")
    expect(history).to_contain_text("230")
    expect(history).to_contain_text("ada@acme.test")
    expect(page.get_by_test_id("reviewed-badge")).to_be_visible()
    shoot(page, "review-history", full_page=True)

    # The API (with the key created in the UI) answers with the edited value and the edit.
    document = Document.objects.get()
    response = requests.get(
        f"{live_server.url}/v1/extractions/{document.extraction.public_id}/documents/{document.public_id}",
        headers={"X-API-Key": secret},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"]["total"] == 230 and body["initial_output"]["total"] == 225
    assert body["data"]["line_items"][2]["quantity"] == 11
    edits = {e["path"]: e for e in body["edits"]}
    assert set(edits) == {"total", "line_items[2].quantity"}
    assert edits["total"]["user"] == "ada@acme.test"

    # --- Lists, billing and usage ----------------------------------------------------------
    nav(page, "Extractions")
    expect(page.get_by_test_id("extractions-table")).to_contain_text(document.extraction.public_id)
    shoot(page, "extractions")
    nav(page, "Members")
    page.get_by_label("Email").fill("bob@acme.test")
    page.get_by_label("Role", exact=True).select_option("admin")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_test_id("invitations-table")).to_contain_text("bob@acme.test")
    shoot(page, "members")

    # Billing with Stripe configured (nothing is sent to Stripe unless a pack is bought).
    settings.STRIPE_SECRET_KEY = "sk_test_" + "s" * 24
    settings.STRIPE_WEBHOOK_SECRET = "whsec_" + "w" * 24
    for position, (name, credits, cents) in enumerate(
        (("Starter", 500, 1000), ("Growth", 2_500, 4_500), ("Scale", 10_000, 15_000))
    ):
        CreditPack.objects.create(
            name=name, credits=credits, price_cents=cents, currency="usd", position=position
        )
    nav(page, "Billing")
    expect(page.get_by_test_id("pack")).to_have_count(3)
    # 50 free credits - 1 for "try it" - 1 for the extraction.
    expect(page.get_by_test_id("billing-balance")).to_have_text("48")
    ledger = page.get_by_test_id("ledger-table")
    expect(ledger.locator("tr[data-kind=charge]")).to_have_count(2)
    expect(ledger).to_contain_text(document.extraction.public_id)
    assert CreditLedgerEntry.objects.filter(kind="charge", extraction=document.extraction).exists()
    shoot(page, "billing", full_page=True)
    nav(page, "Usage")
    expect(page.get_by_test_id("usage-pages")).to_have_text("1")
    shoot(page, "usage")
    assert not page.js_errors or not [e for e in page.js_errors if "Uncaught" in e], page.js_errors
    assert not csp_violations(page), csp_violations(page)
