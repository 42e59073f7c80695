"""Exports of documents as CSV, XLSX and JSON Lines: content, line items as rows, filters,
tenant isolation and a query count that does not grow with the documents."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from extractions.models import Document
from extractions.services import review_document
from tests.dashboard.conftest import web_client_for
from tests.exports.conftest import invoice, make_extraction

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    assert response.streaming, "exports are streamed"
    return b"".join(response.streaming_content)


def read_csv(response) -> list[dict[str, str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[dict[str, object]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return [dict(zip(header, row, strict=True)) for row in rows]


def read_jsonl(response) -> list[dict[str, object]]:
    return [json.loads(line) for line in body(response).decode().splitlines()]


def test_csv_of_an_extraction_has_a_row_per_line_item_with_the_document_repeated(
    client_a, invoices_a
) -> None:
    extraction = make_extraction(invoices_a, [invoice("INV-1", 3), invoice("INV-2", 0), None])
    response = client_a.get(f"/v1/extractions/{extraction.public_id}/export?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)

    first = [r for r in rows if r["invoice_number"] == "INV-1"]
    assert [r["line_items.description"] for r in first] == ["Item 1", "Item 2", "Item 3"]
    assert [r["line_items.quantity"] for r in first] == ["1", "2", "3"]
    assert {r["seller.name"] for r in first} == {"Acme GmbH"}
    assert {r["total"] for r in first} == {"31.5"}
    assert {r["paid"] for r in first} == {"false"}
    assert {r["extraction_id"] for r in rows} == {extraction.public_id}
    # no items: one row, the item columns empty; a failed document: its status and code
    (empty,) = [r for r in rows if r["invoice_number"] == "INV-2"]
    assert empty["line_items.description"] == ""
    (failed,) = [r for r in rows if r["status"] == "failed"]
    assert failed["error_code"] == "extraction_failed" and failed["invoice_number"] == ""
    assert len(rows) == 5
    assert list(rows[0])[:3] == ["document_id", "extraction_id", "filename"]
    created = Document.objects.get(public_id=rows[0]["document_id"]).created_at
    assert rows[0]["created_at"] == created.isoformat()


def test_xlsx_keeps_numbers_as_numbers_and_formulas_as_text(client_a, invoices_a) -> None:
    extraction = make_extraction(invoices_a, [invoice("=HYPERLINK(1)", 2, seller="+Seller")])
    response = client_a.get(f"/v1/extractions/{extraction.public_id}/export?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response)
    assert len(rows) == 2
    assert [r["line_items.quantity"] for r in rows] == [1, 2]
    assert rows[0]["total"] == 21.0 and rows[0]["paid"] is False
    assert rows[0]["invoice_number"] == "=HYPERLINK(1)"  # a string cell, not a formula
    assert rows[0]["seller.name"] == "+Seller"
    # the CSV of the same document quotes them for spreadsheet programs
    csv_rows = read_csv(client_a.get(f"/v1/extractions/{extraction.public_id}/export"))
    assert csv_rows[0]["invoice_number"] == "'=HYPERLINK(1)"


def test_jsonl_is_one_document_per_line_with_its_data_nested(client_a, invoices_a, org_a) -> None:
    extraction = make_extraction(invoices_a, [invoice("INV-1", 2), invoice("INV-2", 1)])
    reviewed = extraction.documents.get(position=1)
    review_document(document=reviewed, output=invoice("INV-2-fixed", 1), user=org_a.owner)
    response = client_a.get(f"/v1/extractions/{extraction.public_id}/export?format=jsonl")
    assert response.status_code == 200
    lines = read_jsonl(response)
    assert [line["data"]["invoice_number"] for line in lines] == ["INV-1", "INV-2-fixed"]
    assert [line["reviewed"] for line in lines] == [False, True]
    assert len(lines[0]["data"]["line_items"]) == 2
    assert lines[0]["parser_id"] == invoices_a.public_id and lines[0]["parser_version"] == 1


def test_the_list_export_takes_the_lists_filters_and_merges_schemas(
    client_a, invoices_a, receipts_a
) -> None:
    old = make_extraction(invoices_a, [invoice("OLD", 1)])
    old.created_at = timezone.now() - timezone.timedelta(days=10)
    old.save(update_fields=["created_at"])
    make_extraction(invoices_a, [invoice("NEW", 1)])
    make_extraction(receipts_a, [{"merchant": "Corner Shop", "total": 4.2}])
    failed = make_extraction(invoices_a, [None], status="failed")

    everything = read_csv(client_a.get("/v1/extractions/export?format=csv"))
    assert len(everything) == 4
    header = list(everything[0])
    assert "merchant" in header and "line_items.amount" in header
    (receipt,) = [r for r in everything if r["merchant"]]
    assert receipt["total"] == "4.2" and receipt["line_items.amount"] == ""
    # newest extraction first
    assert everything[0]["extraction_id"] == failed.public_id

    by_parser = read_csv(client_a.get(f"/v1/extractions/export?parser_id={receipts_a.public_id}"))
    assert [r["merchant"] for r in by_parser] == ["Corner Shop"]
    by_status = read_csv(client_a.get("/v1/extractions/export?status=failed"))
    assert [r["extraction_id"] for r in by_status] == [failed.public_id]
    since = (timezone.now() - timezone.timedelta(days=1)).date().isoformat()
    recent = read_csv(client_a.get(f"/v1/extractions/export?created_after={since}"))
    assert "OLD" not in {r["invoice_number"] for r in recent} and len(recent) == 3


def test_the_list_export_narrows_to_reviewed_or_to_a_document_status(
    client_a, invoices_a, org_a
) -> None:
    extraction = make_extraction(invoices_a, [invoice("A", 1), invoice("B", 1), None])
    review_document(
        document=extraction.documents.get(position=1), output=invoice("B", 1), user=org_a.owner
    )
    reviewed = read_jsonl(client_a.get("/v1/extractions/export?format=jsonl&reviewed=true"))
    assert [d["data"]["invoice_number"] for d in reviewed] == ["B"]
    unreviewed = read_jsonl(client_a.get("/v1/extractions/export?format=jsonl&reviewed=false"))
    assert sorted(d["status"] for d in unreviewed) == ["completed", "failed"]
    failed = read_jsonl(client_a.get("/v1/extractions/export?format=jsonl&document_status=failed"))
    assert [d["error_code"] for d in failed] == ["extraction_failed"]
    for bad in ("reviewed=yes", "document_status=lost"):
        assert client_a.get(f"/v1/extractions/export?{bad}").status_code == 400


def test_a_bad_format_or_filter_is_a_400(client_a, invoices_a) -> None:
    extraction = make_extraction(invoices_a, [invoice("INV-1", 1)])
    response = client_a.get(f"/v1/extractions/{extraction.public_id}/export?format=pdf")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"
    assert client_a.get("/v1/extractions/export?status=nope").status_code == 400


def test_another_organizations_extraction_is_not_found_and_never_listed(
    client_a, client_b, invoices_a, org_b
) -> None:
    extraction = make_extraction(invoices_a, [invoice("SECRET-A", 2)])
    response = client_b.get(f"/v1/extractions/{extraction.public_id}/export?format=csv")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "EXTRACTION_NOT_FOUND"
    for fmt in ("csv", "jsonl"):
        listed = body(client_b.get(f"/v1/extractions/export?format={fmt}")).decode()
        assert "SECRET-A" not in listed and extraction.public_id not in listed
    outsider = web_client_for(org_b.owner, org_b.organization)
    assert outsider.get(f"/extractions/{extraction.public_id}/export/").status_code == 404
    assert "SECRET-A" not in body(outsider.get("/extractions/export/?format=csv")).decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_queries_do_not_grow_with_the_number_of_documents(
    client_a, invoices_a, receipts_a, fmt
) -> None:
    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client_a.get(path)
            body(response)
        return len(queries)

    small = make_extraction(invoices_a, [invoice("A", 2)] * 2)
    big = make_extraction(invoices_a, [invoice("B", 3)] * 40)
    count(f"/v1/extractions/{small.public_id}/export")  # the key's first use is recorded once
    assert count(f"/v1/extractions/{small.public_id}/export?format={fmt}") == count(
        f"/v1/extractions/{big.public_id}/export?format={fmt}"
    )
    list_before = count(f"/v1/extractions/export?format={fmt}")
    make_extraction(receipts_a, [{"merchant": "M", "total": 1.0}] * 30)
    assert count(f"/v1/extractions/export?format={fmt}") == list_before


def test_a_purged_document_exports_its_status_without_values(client_a, invoices_a) -> None:
    extraction = make_extraction(invoices_a, [invoice("GONE", 2)])
    Document.objects.filter(extraction=extraction).update(results_purged_at=timezone.now())
    (row,) = read_csv(client_a.get(f"/v1/extractions/{extraction.public_id}/export"))
    assert row["status"] == "completed" and row["invoice_number"] == ""


# --------------------------------------------------------------------------- dashboard


def test_the_dashboard_offers_exports_that_keep_the_lists_filters(
    org_a, invoices_a, receipts_a
) -> None:
    web = web_client_for(org_a.owner, org_a.organization)
    make_extraction(invoices_a, [invoice("INV-1", 2)])
    shop = make_extraction(receipts_a, [{"merchant": "Corner Shop", "total": 4.2}])

    page = web.get(f"/extractions/?parser={receipts_a.public_id}").content.decode()
    assert f"/extractions/export/?parser={receipts_a.public_id}&amp;format=xlsx" in page
    rows = read_csv(web.get(f"/extractions/export/?parser={receipts_a.public_id}&format=csv"))
    assert [r["merchant"] for r in rows] == ["Corner Shop"]
    searched = read_jsonl(web.get("/extractions/export/?q=doc-1&format=jsonl"))
    assert len(searched) == 2  # the search's file name, in both extractions
    detail = web.get(f"/extractions/{shop.public_id}/").content.decode()
    assert f"/extractions/{shop.public_id}/export/?format=csv" in detail
    rows = read_xlsx(web.get(f"/extractions/{shop.public_id}/export/?format=xlsx"))
    assert [r["merchant"] for r in rows] == ["Corner Shop"]


def test_a_field_named_like_a_document_column_keeps_its_value(client_a, org_a) -> None:
    from parsers.services import create_parser

    schema = {
        "type": "object",
        "properties": {"status": {"type": "string"}, "filename": {"type": "string"}},
    }
    forms = create_parser(organization=org_a.organization, name="Forms", schema=schema)
    extraction = make_extraction(forms, [{"status": "married", "filename": "scan-7"}])
    (row,) = read_csv(client_a.get(f"/v1/extractions/{extraction.public_id}/export"))
    assert row["status"] == "completed" and row["data.status"] == "married"
    assert row["filename"] == "doc-1.pdf" and row["data.filename"] == "scan-7"
