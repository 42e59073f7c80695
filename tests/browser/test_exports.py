"""Exports in a real browser: the extractions list, filtered, downloads its documents as CSV
(one row per line item) and an extraction's page downloads them as XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from parsers.services import create_parser
from tests.conftest import PASSWORD
from tests.exports.conftest import INVOICE, RECEIPT, invoice, make_extraction


@pytest.mark.django_db(transaction=True)
def test_the_filtered_list_and_an_extraction_download_their_exports(page, org_a) -> None:
    invoices = create_parser(organization=org_a.organization, name="Invoices", schema=INVOICE)
    receipts = create_parser(organization=org_a.organization, name="Receipts", schema=RECEIPT)
    billed = make_extraction(invoices, [invoice("INV-7", 3), invoice("INV-8", 1)])
    make_extraction(receipts, [{"merchant": "Corner Shop", "total": 4.2}])

    page.goto("/login/")
    page.get_by_label("Email").fill(org_a.member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("home-balance")).to_be_visible()

    page.goto("/extractions/")
    page.get_by_label("Parser").select_option(invoices.public_id)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("extractions-table").locator("tbody tr")).to_have_count(1)
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    # the filter kept: the receipt is not there; one row per line item
    assert [r["invoice_number"] for r in rows] == ["INV-7"] * 3 + ["INV-8"]
    assert [r["line_items.description"] for r in rows[:3]] == ["Item 1", "Item 2", "Item 3"]
    assert "merchant" not in rows[0]

    page.goto(f"/extractions/{billed.public_id}/")
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    from openpyxl import load_workbook

    name = info.value.suggested_filename
    assert name.startswith(billed.public_id) and name.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True)
    sheet = workbook.active
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    assert len(values) == 1 + 4
    assert [r[header.index("line_items.quantity")] for r in values[1:4]] == [1, 2, 3]
