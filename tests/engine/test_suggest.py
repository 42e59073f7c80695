"""Schema suggestion from a sample document (a generated invoice PDF read by the engine)."""

from __future__ import annotations

from pathlib import Path

import docgen
from docgen import MM
from extractions.engine.parsing.suggest import infer_type, snake_case, suggest_schema
from extractions.engine.pipeline import read_pages


def _invoice(path: Path) -> Path:
    """Header fields, a two-row line-item table and totals (millimetres from the top left)."""
    texts = [
        (20, 20, "ACME Supplies Ltd"),
        (130, 30, "Invoice number: INV-2024-0042"),
        (130, 36, "Invoice date: 15/03/2024"),
        (20, 60, "Description"),
        (110, 60, "Qty"),
        (135, 60, "Unit price"),
        (170, 60, "Amount"),
    ]
    for i, row in enumerate(
        [("Blue widgets", "2", "10.00", "20.00"), ("Red gadgets", "5", "3.50", "17.50")]
    ):
        texts += [(x, 68 + 7 * i, cell) for x, cell in zip((20, 110, 135, 170), row, strict=True)]
    texts += [(135, 95, "Subtotal:"), (170, 95, "37.50"), (135, 107, "Total:"), (170, 107, "45.00")]
    path.write_bytes(docgen.build_pdf([[(x * MM, y * MM, t, 11) for x, y, t in texts]]))
    return path


def test_suggests_typed_fields_and_line_items(tmp_path: Path) -> None:
    pages = read_pages(str(_invoice(tmp_path / "invoice.pdf")))
    schema = suggest_schema(pages)
    props = schema["properties"]
    assert schema["type"] == "object"
    assert props["invoice_number"]["type"] == ["string", "null"]
    assert props["invoice_number"]["x-aliases"] == ["Invoice number"]
    assert props["invoice_date"]["format"] == "date"
    assert props["total"]["type"] == ["number", "null"]
    assert props["subtotal"]["type"] == ["number", "null"]
    items = props["line_items"]["items"]["properties"]
    assert set(items) == {"description", "quantity", "unit_price", "amount"}
    # Table headers become columns, not top-level fields.
    assert "qty" not in props and "unit_price" not in props and "blue_widgets" not in props


def test_names_and_types() -> None:
    assert snake_case("Invoice No.:") == "invoice_no"
    assert snake_case("Numéro de facture") == "numero_de_facture"
    assert snake_case("1993 Usage") == "field_1993_usage"
    assert infer_type("15 March 2024") == {"type": ["string", "null"], "format": "date"}
    assert infer_type("1.234,56 €") == {"type": ["number", "null"]}
    assert infer_type("$ 70.00") == {"type": ["number", "null"]}
    assert infer_type("42") == {"type": ["integer", "null"]}
    assert infer_type("INV-2024-0042") == {"type": ["string", "null"]}
    assert infer_type(None) == {"type": ["string", "null"]}


def test_empty_document() -> None:
    assert suggest_schema([])["properties"] == {}
