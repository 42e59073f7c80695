"""Line-item tables printed in the ways ``docgen.item_tables`` draws them (borderless, a
discount column, net / VAT / gross columns, two-line headers, tables continued over pages):
generated, read back, and every row's cells checked against the generator's ground truth."""

from __future__ import annotations

import pytest

import docgen
from docgen.item_tables import item_table_invoice
from extractions.engine.evaluation.scoring import score_rows
from extractions.engine.parsing.fill import fill_schema
from extractions.engine.pipeline import read_pages
from extractions.engine.tables.headers import header_concept


def _rows_right(kind: str, seed: int) -> tuple[int, int, int]:
    doc = item_table_invoice(kind, seed)
    got = fill_schema(read_pages(doc.data), doc.schema).data.get("lines") or []
    s = score_rows(got, doc.expected["lines"], doc.schema["properties"]["lines"]["items"])["norm"]
    return s["rows_right"], s["rows_expected"], s["rows_predicted"]


@pytest.mark.parametrize(
    ("kind", "seed"),
    [("borderless", 1), ("discount", 2), ("netgross", 3), ("twoline", 3), ("twoline", 4)],
)
def test_every_row_is_read(kind: str, seed: int) -> None:
    right, expected, predicted = _rows_right(kind, seed)
    assert right == expected == predicted


@pytest.mark.parametrize("seed", [2, 3])
def test_a_continued_table_goes_on_past_the_total_brought_forward(seed: int) -> None:
    # page 2 opens with the running total ("Übertrag", "A reporter") over its first row
    doc = item_table_invoice("continued", seed)
    assert doc.layout["pages"] > 1
    right, expected, predicted = _rows_right("continued", seed)
    assert right == expected == predicted


@pytest.mark.parametrize("seed", [1, 11])
def test_a_detail_line_in_small_print_is_no_part_of_the_description(seed: int) -> None:
    # "SKU 63986-X" or a period, set smaller under the item's name
    right, expected, predicted = _rows_right("wild", seed)
    assert right == expected == predicted


@pytest.mark.parametrize("seed", [4, 6])
def test_a_flat_fee_among_the_items_is_an_item(seed: int) -> None:
    # "Versandpauschale 142,81" with no quantity or price, items printed after it
    doc = item_table_invoice("wild", seed)
    assert doc.expected["lines"][0]["quantity"] is None
    right, expected, predicted = _rows_right("wild", seed)
    assert right == expected == predicted


def test_a_continued_page_without_header_keeps_the_description_above_its_first_row() -> None:
    # descriptions printed on their own line above the numbers; page 2 repeats no header
    doc = docgen.synthetic_invoice(8)
    assert doc.layout["description_above"] and not doc.layout["repeat_header"]
    assert doc.layout["pages"] == 2
    got = fill_schema(read_pages(doc.data), doc.schema).data["lines"]
    assert [g["description"] for g in got] == [e["description"] for e in doc.expected["lines"]]


@pytest.mark.parametrize(
    ("header", "concept"),
    [("Work performed", "description"), ("Line item", "description"), ("Anz.", "quantity"),
     ("Std.", "quantity"), ("Horas", "quantity"), ("Usage", "quantity"), ("Days", "quantity"),
     ("Price total", "amount"), ("Importe neto", "amount"), ("Unit Price (EUR)", "unit_price")],
)  # fmt: skip
def test_header_names_real_vendors_print(header: str, concept: str) -> None:
    assert header_concept(header, {}) == concept


def test_a_qualifier_after_a_column_name_stays_in_its_cell() -> None:
    # "Importe neto": one amount column, not an amount and a net column
    doc = item_table_invoice("wild", 16)
    assert "Importe neto" in doc.layout["columns"]
    right, expected, predicted = _rows_right("wild", 16)
    assert right == expected == predicted


@pytest.mark.parametrize(
    ("seed", "header"),
    [(24, "Summe netto"), (30, "Artikel / Leistung"), (48, "TOTAL LIGNE HT"), (60, "Total ligne HT")],
)  # fmt: skip
def test_a_header_of_two_names_for_one_column_is_one_column(seed: int, header: str) -> None:
    # "Summe" and "netto", "Artikel" and "Leistung" each name a column: printed together they
    # name one ("ligne" alone would be a row number)
    assert header in item_table_invoice("wild", seed).layout["columns"]
    right, expected, predicted = _rows_right("wild", seed)
    assert right == expected == predicted


def test_a_section_heading_between_rows_is_no_part_of_the_next_description() -> None:
    # "Licences" printed over a group of items whose names start on their numbers' line
    doc = item_table_invoice("wild", 3)
    got = fill_schema(read_pages(doc.data), doc.schema).data["lines"]
    assert [g["description"] for g in got] == [e["description"] for e in doc.expected["lines"]]


def test_a_slash_between_two_concepts_keeps_the_description_column() -> None:
    # "Position / Beschreibung" over the descriptions: not read as a row-number column
    assert "Position / Beschreibung" in item_table_invoice("wild", 34).layout["columns"]
    right, expected, predicted = _rows_right("wild", 34)
    assert right == expected == predicted


def test_a_scanned_table_keeps_each_wrapped_description_with_its_row() -> None:
    # OCR boxes of uneven heights: rows are cut where the lines' middles stand apart
    doc = item_table_invoice("discount", 1)
    scanned = docgen.scan(doc.data, seed=1)
    got = fill_schema(read_pages(scanned), doc.schema).data["lines"]
    items = doc.schema["properties"]["lines"]["items"]
    s = score_rows(got, doc.expected["lines"], items)["norm"]
    assert s["rows_right"] == s["rows_expected"] == s["rows_predicted"]


def _headerless(seed: int) -> tuple[dict, list[dict]]:
    doc = item_table_invoice("headerless", seed)
    assert doc.layout["columns"] == [""] * len(doc.layout["concepts"])  # no header printed
    got = fill_schema(read_pages(doc.data), doc.schema).data.get("lines") or []
    return doc.layout, got


@pytest.mark.parametrize(
    ("seed", "concepts"),
    [(1, ["description", "quantity", "unit_price", "amount"]),  # a description wrapped too
     (2, ["description", "qty_price", "amount"]),  # "13 x 86.11", "1 119.43" grouped by spaces
     (18, ["description", "qty_price", "amount"])],  # "2 @ 4 268,17 EUR"
)  # fmt: skip
def test_item_rows_without_a_header_are_read_above_the_totals(seed: int, concepts: list) -> None:
    layout, _ = _headerless(seed)
    assert layout["concepts"] == concepts
    right, expected, predicted = _rows_right("headerless", seed)
    assert right == expected == predicted


def _page(lines: list[tuple[str, ...]]) -> bytes:
    from docgen.pdf import PageSpec, build_pdf

    page = PageSpec()
    page.texts.append((40, 60, "INVOICE 2024-17", 14, "B"))
    for k, cells in enumerate(lines):
        y = 200 + 14 * k
        page.texts.append((40, y, cells[0], 9))
        for j, text in enumerate(cells[1:]):
            page.texts.append((330 + 90 * j - 5 * len(text), y, text, 9))
    return build_pdf([page])


def test_lines_ending_in_amounts_without_a_totals_line_under_them_are_no_items() -> None:
    data = _page([("Opening balance", "120.00"), ("Payments received", "80.00")])
    got = fill_schema(read_pages(data), docgen.SYNTHETIC_INVOICE_SCHEMA).data.get("lines")
    assert not got


def test_headerless_numbers_that_do_not_multiply_out_are_no_items() -> None:
    # three number columns above a total, but no two of them multiply to the rightmost
    data = _page(
        [("Meter reading March", "4", "1517.00", "12.00"), ("Meter reading April", "7", "1620.00", "31.00"),
         ("Total", "", "", "43.00")]
    )  # fmt: skip
    got = fill_schema(read_pages(data), docgen.SYNTHETIC_INVOICE_SCHEMA).data.get("lines")
    assert not got


def test_a_quantity_times_price_inside_the_description_is_split_out() -> None:
    # "Pro plan — 3 seats × $12.00   $36.00": one text cell, then the amount
    data = _page(
        [("Pro plan — 3 seats × $12.00", "$36.00"), ("Storage add-on — 2 × $5.00", "$10.00"),
         ("Total", "$46.00")]
    )  # fmt: skip
    got = fill_schema(read_pages(data), docgen.SYNTHETIC_INVOICE_SCHEMA).data["lines"]
    assert [(g["description"], g["quantity"], g["unit_price"], g["amount"]) for g in got] == [
        ("Pro plan", 3, 12, 36),
        ("Storage add-on", 2, 5, 10),
    ]


def test_a_headerless_row_missing_a_cell_keeps_the_others_in_their_columns() -> None:
    # no quantity printed (or the scan lost it): the price stays a price, not a quantity
    data = _page(
        [("Cable ties", "4", "2.50", "10.00"), ("Delivery", "", "7.00", "7.00"),
         ("Fuses", "10", "0.80", "8.00"), ("Total", "", "", "25.00")]
    )  # fmt: skip
    got = fill_schema(read_pages(data), docgen.SYNTHETIC_INVOICE_SCHEMA).data["lines"]
    assert [(g["description"], g["quantity"], g["unit_price"], g["amount"]) for g in got] == [
        ("Cable ties", 4, 2.5, 10),
        ("Delivery", None, 7, 7),
        ("Fuses", 10, 0.8, 8),
    ]
