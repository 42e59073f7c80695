"""Smaller browser checks without a worker: log in, "suggest fields from a sample" in the
designer, a file dropped on the Extract page (a real drop event), the switcher."""

from __future__ import annotations

import base64
import json

import pytest
from playwright.sync_api import expect

from accounts.services import create_organization, get_or_create_user
from docgen import LINE_ITEM_INVOICE_SCHEMA, line_item_invoice_pdf
from parsers.services import create_parser

PASSWORD = "another-long-password"


@pytest.fixture
def signed_in(page, transactional_db):
    user, _ = get_or_create_user(email="lin@example.test", password=PASSWORD)
    first = create_organization(name="First Org", owner=user, opening_credits=20)
    second = create_organization(name="Second Org", owner=user, opening_credits=5)
    page.goto("/login/")
    page.get_by_label("Email").fill("lin@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("home-balance")).to_be_visible()
    return user, first, second


def drop_file(page, selector: str, name: str, data: bytes, mime: str) -> None:
    """Dispatch a real drop event carrying a File, as a drag from the desktop would."""
    page.evaluate(
        """([selector, name, b64, mime]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: mime }));
            const target = document.querySelector(selector);
            for (const type of ["dragenter", "dragover", "drop"]) {
                target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
            }
        }""",
        [selector, name, base64.b64encode(data).decode(), mime],
    )


def test_switcher_suggest_and_drop(page, signed_in, tmp_path) -> None:
    _, first, second = signed_in
    # The switcher changes the organization of every page.
    page.get_by_test_id("org-switcher").select_option(second.public_id)
    expect(page.get_by_test_id("home-balance")).to_have_text("5")
    page.get_by_test_id("org-switcher").select_option(first.public_id)
    expect(page.get_by_test_id("home-balance")).to_have_text("20")

    # Suggest fields from a sample: they appear in the field list and in the JSON.
    sample = tmp_path / "sample.pdf"
    sample.write_bytes(line_item_invoice_pdf())
    page.goto("/parsers/new/")
    page.get_by_test_id("suggest-file").set_input_files(str(sample))
    expect(page.locator("#suggest-status")).to_contain_text("suggested field")
    expect(page.get_by_test_id("field").first).to_be_visible()
    names = page.locator(".fld-name").evaluate_all("els => els.map(e => e.value)")
    schema_text = page.locator("textarea[name=schema]").input_value()
    assert names and all(f'"{n}"' in schema_text for n in names)
    # Deleting a field removes it from the JSON too.
    gone = names[0]
    page.locator(".fld").first.get_by_role("button", name="Delete field").click()
    assert f'"{gone}":' not in page.locator("textarea[name=schema]").input_value()

    # Drop files on the Extract page: a PDF is counted, an executable is refused by name.
    create_parser(organization=first, name="Invoices", schema=LINE_ITEM_INVOICE_SCHEMA)
    page.goto("/extract/")
    drop_file(page, "#dropzone", "scan.pdf", line_item_invoice_pdf(pages=2), "application/pdf")
    drop_file(
        page, "#dropzone", "tool.exe", b"MZ\x90\x00" + b"\x00" * 64, "application/octet-stream"
    )
    files = page.get_by_test_id("file-list")
    expect(files).to_contain_text("2 pages")
    expect(files.locator("[data-error-code=UNSUPPORTED_FILE_TYPE]")).to_contain_text(
        "tool.exe is not a supported file"
    )
    expect(page.get_by_test_id("quote-credits")).to_have_text("2 credits")
    page.get_by_label("Pages").fill("1")
    page.get_by_label("Pages").press("Tab")
    expect(page.get_by_test_id("quote-credits")).to_have_text("1 credit")
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused to" in e]


def test_aliases_typed_in_the_designer_are_stored_in_the_schema(page, signed_in, tmp_path):
    """The aliases input of a field writes ``x-aliases`` (labels the engine matches)."""
    sample = tmp_path / "sample.pdf"
    sample.write_bytes(line_item_invoice_pdf())
    page.goto("/parsers/new/")
    page.get_by_test_id("suggest-file").set_input_files(str(sample))
    expect(page.locator("#suggest-status")).to_contain_text("suggested field")
    field = page.locator(".fld").first
    name = field.locator(".fld-name").input_value()
    field.locator("[data-act=aliases]").fill("Bill No., Facture n° ,, Rechnungsnummer")
    schema = json.loads(page.locator("textarea[name=schema]").input_value())
    assert schema["properties"][name]["x-aliases"] == ["Bill No.", "Facture n°", "Rechnungsnummer"]
    expect(page.locator("#json-status")).to_have_text("✓ Valid schema")
