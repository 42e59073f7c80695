"""Try it shows line items as a table: a row per item, a column per property, each cell
linked to its box on the page."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from docgen import LINE_ITEM_INVOICE_SCHEMA, LINE_ITEMS, line_item_invoice_pdf

pytestmark = pytest.mark.django_db


class Tables(HTMLParser):
    """The try-items tables of a fragment: header cells and rows of (text, path) cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.cell: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid") == "try-items":
            self.tables.append({"path": attrs["data-table-path"], "head": [], "rows": []})
        elif not self.tables:
            return
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self.cell = {"tag": tag, "text": "", "path": attrs.get("data-field-path")}

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self.cell is not None and self.tables:
            table = self.tables[-1]
            if self.cell["tag"] == "th":
                table["head"].append(self.cell["text"].strip())
            else:
                table["rows"][-1].append((self.cell["text"].strip(), self.cell["path"]))
            self.cell = None


def test_try_it_shows_line_items_as_a_table(member_web) -> None:
    response = member_web.post(
        reverse("web:schema-try"),
        {
            "file": SimpleUploadedFile(
                "sample.pdf", line_item_invoice_pdf(), content_type="application/pdf"
            ),
            "schema": json.dumps(LINE_ITEM_INVOICE_SCHEMA),
            "extraction_target": "per_doc",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    parser = Tables()
    parser.feed(html)
    (table,) = parser.tables
    assert table["path"] == "line_items"
    columns = list(LINE_ITEM_INVOICE_SCHEMA["properties"]["line_items"]["items"]["properties"])
    assert table["head"] == ["#", *columns]
    rows = [r for r in table["rows"] if r]
    assert len(rows) == len(LINE_ITEMS)
    for i, (row, printed) in enumerate(zip(rows, LINE_ITEMS, strict=True)):
        cells = row[1:]  # after the row number
        assert [path for _, path in cells] == [f"line_items[{i}].{c}" for c in columns]
        assert cells[0][0] == printed[0]
        assert [float(text) for text, _ in cells[1:]] == [float(x) for x in printed[1:]]
    # the item values are in the table, not repeated as flat fields; their boxes are drawn
    assert "line_items[0].description</code>" not in html
    assert 'data-path="line_items[1].amount"' in html
