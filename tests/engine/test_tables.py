"""Line-item tables: headers in three languages, wrapped cells, rulings, where a table ends."""

from __future__ import annotations

from typing import Any

import docgen
from extractions.engine.layout.index import DocIndex
from extractions.engine.parsing.fill import fill_schema
from extractions.engine.pipeline import read_pages
from extractions.engine.tables.headers import property_columns
from extractions.engine.tables.rows import extract_rows
from extractions.engine.types import PageContent, Ruling, Word

CHAR_W = 0.008
LINE_H = 0.014

ITEMS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": ["string", "null"]},
        "description": {"type": ["string", "null"]},
        "quantity": {"type": ["number", "null"]},
        "unit_price": {"type": ["number", "null"]},
        "amount": {"type": ["number", "null"]},
    },
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"lines": {"type": "array", "items": ITEMS}},
}


def words_at(x: float, y: float, text: str, page: int = 1) -> list[Word]:
    out = []
    for token in text.split():
        w = len(token) * CHAR_W
        out.append(Word(token, page, x, y, x + w, y + LINE_H))
        x += w + CHAR_W
    return out


def right_aligned(x1: float, y: float, text: str) -> list[Word]:
    return words_at(x1 - len(text) * CHAR_W, y, text)


def page_of(items: list[list[Word]], rulings: list[Ruling] | None = None) -> PageContent:
    return PageContent(1, 1000, 1400, [w for ws in items for w in ws], rulings=rulings or [])


def pdf_pages(texts: list[tuple[float, float, str, float]]) -> list[PageContent]:
    return read_pages(docgen.build_pdf([texts]))


def test_property_names_map_to_column_meanings() -> None:
    schema = {
        "properties": {
            "Bezeichnung": {"type": "string"},
            "qty": {"type": "number"},
            "prix_unitaire": {"type": "number"},
            "line_total": {"type": "number"},
            "sku": {"type": "string"},
            "colour": {"type": "string", "x-aliases": ["Farbe"]},
        }
    }
    assert property_columns(schema) == {
        "Bezeichnung": "description",
        "qty": "quantity",
        "prix_unitaire": "unit_price",
        "line_total": "amount",
        "sku": "code",
        "colour": "prop:colour",  # a column only the schema knows, found by its aliases
    }


def test_french_table_with_two_line_header_and_wrapped_description() -> None:
    pages = pdf_pages(
        [
            (50, 80, "Facture FA-1", 14),
            (300, 148, "Prix", 9),
            (50, 160, "Désignation", 9), (240, 160, "Qté", 9), (300, 160, "unitaire", 9), (400, 160, "Montant HT", 9),
            (50, 185, "Nougat de l'Abbaye", 9), (240, 185, "20", 9), (300, 185, "4,10", 9), (400, 185, "82,00", 9),
            (50, 197, "boîte de 250g", 9),
            (50, 215, "Huile d'olive", 9), (240, 215, "25", 9), (300, 215, "19,80", 9), (400, 215, "495,00", 9),
            (300, 260, "Total HT", 9), (400, 260, "577,00", 9),
            (300, 275, "TVA 20 %", 9), (400, 275, "115,40", 9),
        ]
    )  # fmt: skip
    res = fill_schema(pages, SCHEMA)
    assert res.data["lines"] == [
        {"code": None, "description": "Nougat de l'Abbaye boîte de 250g", "quantity": 20.0, "unit_price": 4.1, "amount": 82.0},
        {"code": None, "description": "Huile d'olive", "quantity": 25.0, "unit_price": 19.8, "amount": 495.0},
    ]  # fmt: skip
    cit = res.citations["lines[1].amount"]
    assert cit.text == "495,00" and cit.page == 1
    assert 0 < res.confidence["lines[0].description"] <= 1


def test_german_table_with_codes_and_a_tax_summary_that_is_not_a_table_of_items() -> None:
    pages = pdf_pages(
        [
            (50, 150, "Pos", 9), (80, 150, "Art.-Nr.", 9), (150, 150, "Bezeichnung", 9), (330, 150, "Menge", 9),
            (390, 150, "Einzelpreis", 9), (470, 150, "Gesamtpreis", 9),
            (50, 170, "1", 9), (80, 170, "A-100", 9), (150, 170, "Stahlcoil", 9), (330, 170, "10 Stk", 9),
            (390, 170, "100,00", 9), (470, 170, "1.000,00", 9),
            (50, 185, "2", 9), (80, 185, "B-7", 9), (150, 185, "Stoßfänger", 9), (330, 185, "2 Stk", 9),
            (390, 185, "50,00", 9), (470, 185, "100,00", 9),
            (330, 230, "Nettobetrag", 9), (470, 230, "1.100,00", 9),
            (50, 280, "USt.-Satz", 9), (150, 280, "Nettobetrag", 9), (250, 280, "Steuerbetrag", 9),
            (50, 295, "19 %", 9), (150, 295, "1.100,00", 9), (250, 295, "209,00", 9),
        ]
    )  # fmt: skip
    rows = fill_schema(pages, SCHEMA).data["lines"]
    assert rows == [
        {"code": "A-100", "description": "Stahlcoil", "quantity": 10.0, "unit_price": 100.0, "amount": 1000.0},
        {"code": "B-7", "description": "Stoßfänger", "quantity": 2.0, "unit_price": 50.0, "amount": 100.0},
    ]  # fmt: skip


def test_description_printed_above_its_numbers() -> None:
    # receipt style: the item name on one line, code / qty / price / amount below it
    page = page_of(
        [
            words_at(0.05, 0.30, "Qty"), words_at(0.20, 0.30, "Description"),
            words_at(0.60, 0.30, "Price"), words_at(0.80, 0.30, "Total"),
            words_at(0.20, 0.33, "FUJI XEROX A4 PAPER"),
            words_at(0.05, 0.35, "5"), right_aligned(0.66, 0.35, "11.00"), right_aligned(0.86, 0.35, "55.00"),
            words_at(0.20, 0.38, "CANON INK BLACK"),
            words_at(0.05, 0.40, "1"), right_aligned(0.66, 0.40, "29.00"), right_aligned(0.86, 0.40, "29.00"),
            words_at(0.05, 0.45, "Total Inclusive GST:"), right_aligned(0.86, 0.45, "84.00"),
        ]
    )  # fmt: skip
    rows = fill_schema([page], SCHEMA).data["lines"]
    assert [(r["description"], r["quantity"], r["unit_price"], r["amount"]) for r in rows] == [
        ("FUJI XEROX A4 PAPER", 5.0, 11.0, 55.0),
        ("CANON INK BLACK", 1.0, 29.0, 29.0),
    ]


def test_drawn_rulings_decide_columns() -> None:
    # the amount is left-aligned just after its column rule, nearer the quantity header
    def build(with_rulings: bool) -> PageContent:
        rulings = (
            [Ruling(1, x, 0.28, x, 0.45) for x in (0.04, 0.45, 0.60, 0.95)] if with_rulings else []
        )
        return page_of(
            [
                words_at(0.05, 0.30, "Description"), words_at(0.50, 0.30, "Qty"), words_at(0.80, 0.30, "Amount"),
                words_at(0.05, 0.34, "Consulting"), words_at(0.50, 0.34, "2"), words_at(0.61, 0.34, "1,250.00"),
                words_at(0.05, 0.37, "Travel"), words_at(0.50, 0.37, "1"), words_at(0.61, 0.37, "80.00"),
            ],
            rulings,
        )  # fmt: skip

    ruled = DocIndex([build(True)])
    rows = extract_rows(ruled, ITEMS)
    assert [(r["description"].value, r["quantity"].value, r["amount"].value) for r in rows] == [
        ("Consulting", 2.0, 1250.0),
        ("Travel", 1.0, 80.0),
    ]
    unruled = extract_rows(DocIndex([build(False)]), ITEMS)
    assert "amount" not in unruled[0]  # without the rules the midpoint puts it elsewhere


def test_generated_multi_page_ruled_invoice_rows_in_order() -> None:
    pdf, expected = docgen.invoice_pdf(3, seed=11, rows_per_page=5, ruled=True)
    pages = read_pages(pdf)
    res = fill_schema(
        pages,
        {"type": "object", "properties": {"lines": docgen.INVOICE_SCHEMA["properties"]["lines"]}},
    )
    got = res.data["lines"]
    assert len(got) == 15
    assert [r["amount"] for r in got] == [line["amount"] for line in expected["lines"]]
    assert [r["description"] for r in got] == [line["description"] for line in expected["lines"]]
    assert {res.citations[f"lines[{i}].amount"].page for i in range(15)} == {1, 2, 3}


def test_a_column_known_only_by_its_alias() -> None:
    items = {
        "type": "object",
        "properties": {
            "description": {"type": "string"},
            "colour": {"type": "string", "x-aliases": ["Farbe"]},
            "amount": {"type": "number"},
        },
    }
    page = page_of(
        [
            words_at(0.05, 0.30, "Artikel"), words_at(0.45, 0.30, "Farbe"), words_at(0.80, 0.30, "Betrag"),
            words_at(0.05, 0.34, "Stuhl"), words_at(0.45, 0.34, "rot"), words_at(0.80, 0.34, "49,00"),
        ]
    )  # fmt: skip
    res = fill_schema(
        [page], {"type": "object", "properties": {"items": {"type": "array", "items": items}}}
    )
    assert res.data["items"] == [{"description": "Stuhl", "colour": "rot", "amount": 49.0}]


def test_a_table_running_on_to_a_page_without_header() -> None:
    def row(y: float, desc: str, qty: str, amount: str) -> list[tuple[float, float, str, float]]:
        return [(50, y, desc, 10), (330, y, qty, 10), (490, y, amount, 10)]

    page1 = [
        (50, 60, "ACME Ltd", 16),
        (50, 180, "Description", 10),
        (330, 180, "Qty", 10),
        (490, 180, "Amount", 10),
    ]
    for i in range(3):
        page1 += row(200 + i * 20, f"Item {i}", str(i + 1), f"{(i + 1) * 10:.2f}")
    page2 = [(50, 40, "ACME Ltd - page 2", 9)]
    for i in range(2):
        page2 += row(80 + i * 20, f"Part {i}", str(i + 2), f"{(i + 2) * 5:.2f}")
    page2 += [
        (400, 200, "Total", 10),
        (490, 200, "75.00", 10),
        (50, 300, "IBAN DE88 2008 0000 0970 3757 00", 9),
    ]
    pages = read_pages(docgen.build_pdf([page1, page2]))
    rows = fill_schema(pages, SCHEMA).data["lines"]
    assert [(r["description"], r["quantity"], r["amount"]) for r in rows] == [
        ("Item 0", 1.0, 10.0),
        ("Item 1", 2.0, 20.0),
        ("Item 2", 3.0, 30.0),
        ("Part 0", 2.0, 10.0),
        ("Part 1", 3.0, 15.0),
    ]


def test_table_ends_at_a_totals_column_or_the_next_table_header() -> None:
    page = page_of(
        [
            words_at(0.05, 0.30, "Description"), words_at(0.55, 0.30, "Qty"), words_at(0.80, 0.30, "Amount"),
            words_at(0.05, 0.33, "Nougat"), words_at(0.55, 0.33, "2"), words_at(0.80, 0.33, "8.20"),
            # a tax summary starts on the same baseline as the "Total HT" of the totals column
            words_at(0.10, 0.36, "Tax Base Amount"), words_at(0.60, 0.36, "Total HT"), words_at(0.80, 0.36, "8.20"),
            words_at(0.05, 0.39, "VAT 20%"), words_at(0.30, 0.39, "8.20"), words_at(0.45, 0.39, "1.64"),
        ]
    )  # fmt: skip
    rows = fill_schema([page], SCHEMA).data["lines"]
    assert [(r["description"], r["quantity"], r["amount"]) for r in rows] == [("Nougat", 2.0, 8.2)]
    page = page_of(
        [
            words_at(0.05, 0.30, "Description"), words_at(0.55, 0.30, "Qty"), words_at(0.80, 0.30, "Amount"),
            words_at(0.05, 0.33, "Stahlcoil"), words_at(0.55, 0.33, "10"), words_at(0.80, 0.33, "850.00"),
            words_at(0.20, 0.36, "Art"), words_at(0.40, 0.36, "Reason"), words_at(0.75, 0.36, "% Base Amount"),
            words_at(0.20, 0.39, "Discount stock"), words_at(0.55, 0.39, "10"), words_at(0.80, 0.39, "-100.00"),
        ]
    )  # fmt: skip
    rows = fill_schema([page], SCHEMA).data["lines"]
    assert [(r["description"], r["amount"]) for r in rows] == [("Stahlcoil", 850.0)]


def test_no_table_no_rows() -> None:
    page = page_of(
        [
            words_at(0.1, 0.1, "Dear customer, thank you for your order."),
            words_at(0.1, 0.2, "Total 5.00"),
        ]
    )
    assert fill_schema([page], SCHEMA).data == {"lines": []}


def rows_of(items: list[list[Word]], rulings: list[Ruling] | None = None) -> list[dict[str, Any]]:
    return fill_schema([page_of(items, rulings)], SCHEMA).data["lines"]


def triples(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["description"], r["quantity"], r["unit_price"], r["amount"]) for r in rows]


def test_dutch_spanish_and_compound_german_headers() -> None:
    for header in (
        ("Omschrijving", "Aantal", "Stukprijs", "Bedrag"),
        ("Descripción", "Cantidad", "Precio unitario", "Importe"),
        ("Leistungsbezeichnung", "Liefermenge", "Stückpreis", "Nettobetrag"),
    ):
        rows = rows_of(
            [
                words_at(0.05, 0.30, header[0]), words_at(0.45, 0.30, header[1]),
                words_at(0.60, 0.30, header[2]), words_at(0.80, 0.30, header[3]),
                words_at(0.05, 0.34, "Koffie"), right_aligned(0.50, 0.34, "3"),
                right_aligned(0.70, 0.34, "2,50"), right_aligned(0.90, 0.34, "7,50"),
            ]
        )  # fmt: skip
        assert triples(rows) == [("Koffie", 3.0, 2.5, 7.5)], header


def test_cells_decide_what_an_ambiguous_header_means() -> None:
    # "Unit" over units of measure is no price; two "Price" columns: the self-check
    # quantity x unit price = amount says which is which
    rows = rows_of(
        [
            words_at(0.05, 0.30, "Item"), words_at(0.40, 0.30, "Qty"), words_at(0.50, 0.30, "Unit"),
            words_at(0.62, 0.30, "Price"), words_at(0.80, 0.30, "Price"),
            words_at(0.05, 0.34, "Bolts"), right_aligned(0.45, 0.34, "4"), words_at(0.50, 0.34, "pcs"),
            right_aligned(0.70, 0.34, "2.50"), right_aligned(0.90, 0.34, "10.00"),
            words_at(0.05, 0.37, "Nuts"), right_aligned(0.45, 0.37, "3"), words_at(0.50, 0.37, "box"),
            right_aligned(0.70, 0.37, "1.20"), right_aligned(0.90, 0.37, "3.60"),
        ]
    )  # fmt: skip
    assert triples(rows) == [("Bolts", 4.0, 2.5, 10.0), ("Nuts", 3.0, 1.2, 3.6)]


def test_notes_under_a_row_and_an_amount_printed_lower_belong_to_the_row() -> None:
    rows = rows_of(
        [
            words_at(0.05, 0.30, "Beschreibung"), words_at(0.50, 0.30, "Menge"),
            words_at(0.62, 0.30, "Einzelpreis"), words_at(0.82, 0.30, "Betrag"),
            words_at(0.05, 0.34, "Schweinesteak"), right_aligned(0.55, 0.34, "4"), right_aligned(0.72, 0.34, "5,50"),
            right_aligned(0.90, 0.352, "22,00"),  # centred in a two-line cell
            words_at(0.05, 0.37, "Bruttopreis : 5,89"),
            words_at(0.05, 0.385, "Lieferschein vom 03.04.2024"),
            words_at(0.05, 0.43, "Rinderfilet"), right_aligned(0.55, 0.43, "1"), right_aligned(0.72, 0.43, "30,00"),
            right_aligned(0.90, 0.442, "30,00"),
            words_at(0.05, 0.47, "Summe"), right_aligned(0.90, 0.47, "52,00"),
        ]
    )  # fmt: skip
    assert triples(rows) == [("Schweinesteak", 4.0, 5.5, 22.0), ("Rinderfilet", 1.0, 30.0, 30.0)]


def test_description_under_a_centred_header_and_codes_in_their_own_column() -> None:
    rows = rows_of(
        [
            words_at(0.05, 0.30, "#"), words_at(0.12, 0.30, "ITEM"), words_at(0.38, 0.30, "DESCRIPTION"),
            words_at(0.62, 0.30, "QTY"), words_at(0.72, 0.30, "PRICE"), words_at(0.85, 0.30, "EXTENSION"),
            words_at(0.05, 0.34, "10"), words_at(0.12, 0.34, "110947"), words_at(0.22, 0.34, "Graphite canvas roll"),
            right_aligned(0.66, 0.34, "1"), right_aligned(0.79, 0.34, "$734.27"), right_aligned(0.95, 0.34, "$734.27"),
            words_at(0.05, 0.37, "20"), words_at(0.12, 0.37, "102044"), words_at(0.22, 0.37, "Belt 6x202 60YF"),
            right_aligned(0.66, 0.37, "20"), right_aligned(0.79, 0.37, "$68.45"), right_aligned(0.95, 0.37, "$1,369.00"),
        ]
    )  # fmt: skip
    assert triples(rows) == [
        ("Graphite canvas roll", 1.0, 734.27, 734.27),
        ("Belt 6x202 60YF", 20.0, 68.45, 1369.0),
    ]
    assert [r["code"] for r in rows] == ["110947", "102044"]


def test_a_leading_article_number_is_the_code_without_a_code_column() -> None:
    rows = rows_of(
        [
            words_at(0.05, 0.30, "Article"), words_at(0.55, 0.30, "Qty"), words_at(0.80, 0.30, "Amount"),
            words_at(0.05, 0.34, "242900 Plectrum set red"), right_aligned(0.60, 0.34, "1"),
            right_aligned(0.90, 0.34, "3,66"),
            words_at(0.05, 0.37, "151423 Picks 0.88mm"), right_aligned(0.60, 0.37, "2"),
            right_aligned(0.90, 0.37, "9,60"),
        ]
    )  # fmt: skip
    assert [(r["code"], r["description"]) for r in rows] == [
        ("242900", "Plectrum set red"),
        ("151423", "Picks 0.88mm"),
    ]


def test_space_grouped_thousands_and_a_wide_amount_reaching_left() -> None:
    rows = rows_of(
        [
            words_at(0.05, 0.30, "Description"), words_at(0.50, 0.30, "Qty"),
            words_at(0.62, 0.30, "Unit price"), words_at(0.85, 0.30, "Total"),
            words_at(0.05, 0.34, "Network switch"), right_aligned(0.55, 0.34, "10"),
            right_aligned(0.74, 0.34, "4 885.81"), right_aligned(0.90, 0.34, "48 858.10"),
            words_at(0.05, 0.37, "Desk lamp"), right_aligned(0.55, 0.37, "2"),
            right_aligned(0.74, 0.37, "19.95"), right_aligned(0.90, 0.37, "39.90"),
        ]
    )  # fmt: skip
    assert triples(rows) == [
        ("Network switch", 10.0, 4885.81, 48858.1),
        ("Desk lamp", 2.0, 19.95, 39.9),
    ]


def test_a_subtotal_item_line_is_kept_an_allowance_is_not() -> None:
    rows = rows_of(
        [
            words_at(0.05, 0.30, "Description"), words_at(0.50, 0.30, "Qty"),
            words_at(0.62, 0.30, "Price"), words_at(0.85, 0.30, "Amount"),
            words_at(0.05, 0.34, "Laser printer"), right_aligned(0.55, 0.34, "2"),
            right_aligned(0.70, 0.34, "300.00"), right_aligned(0.90, 0.34, "600.00"),
            words_at(0.05, 0.37, "Toner"), right_aligned(0.55, 0.37, "3"),
            right_aligned(0.70, 0.37, "120.00"), right_aligned(0.90, 0.37, "360.00"),
            words_at(0.05, 0.40, "Subtotal hardware"), right_aligned(0.55, 0.40, "1"),
            right_aligned(0.70, 0.40, "960.00"), right_aligned(0.90, 0.40, "960.00"),
            words_at(0.05, 0.43, "Discount: loyal customer"), right_aligned(0.90, 0.43, "-10.00"),
            words_at(0.50, 0.48, "Total"), right_aligned(0.90, 0.48, "950.00"),
        ]
    )  # fmt: skip
    assert [r["description"] for r in rows] == ["Laser printer", "Toner", "Subtotal hardware"]


def test_a_header_at_the_foot_of_a_page_reads_its_rows_on_the_next() -> None:
    first = PageContent(
        1, 1000, 1400,
        [*words_at(0.05, 0.93, "Description"), *words_at(0.50, 0.93, "Qty"),
         *words_at(0.62, 0.93, "Price"), *words_at(0.85, 0.93, "Amount")],
    )  # fmt: skip
    second = PageContent(
        2, 1000, 1400,
        [*words_at(0.05, 0.06, "Steak", 2), *right_aligned(0.55, 0.06, "4"),
         *right_aligned(0.70, 0.06, "5.50"), *right_aligned(0.90, 0.06, "22.00")],
    )  # fmt: skip
    for w in second.words:
        w.page = 2
    rows = fill_schema([first, second], SCHEMA).data["lines"]
    assert triples(rows) == [("Steak", 4.0, 5.5, 22.0)]


def test_rows_that_do_not_balance_are_less_certain() -> None:
    res = fill_schema(
        [
            page_of(
                [
                    words_at(0.05, 0.30, "Description"), words_at(0.50, 0.30, "Qty"),
                    words_at(0.62, 0.30, "Price"), words_at(0.85, 0.30, "Amount"),
                    words_at(0.05, 0.34, "Bolts"), right_aligned(0.55, 0.34, "4"),
                    right_aligned(0.70, 0.34, "2.50"), right_aligned(0.90, 0.34, "10.00"),
                    words_at(0.05, 0.37, "Nuts"), right_aligned(0.55, 0.37, "3"),
                    right_aligned(0.70, 0.37, "1.20"), right_aligned(0.90, 0.37, "9.60"),
                ]
            )
        ],
        SCHEMA,
    )  # fmt: skip
    assert res.confidence["lines[1].amount"] < res.confidence["lines[0].amount"]
    assert res.confidence["lines[1].quantity"] < 0.6 < res.confidence["lines[0].quantity"]


def test_row_numbers_description_column_and_labelled_codes() -> None:
    # "SrNo" hands the text on to the description; of "Activity | Description" the column
    # headed Description describes; a code labelled inside the description fills the code
    rows = rows_of(
        [
            words_at(0.05, 0.30, "SrNo"), words_at(0.12, 0.30, "Activity"), words_at(0.35, 0.30, "Description"),
            words_at(0.62, 0.30, "Qty"), words_at(0.72, 0.30, "Rate"), words_at(0.85, 0.30, "Amount"),
            words_at(0.05, 0.34, "1"), words_at(0.12, 0.34, "Apparel"), words_at(0.35, 0.34, "Tee, SKU ST350"),
            right_aligned(0.66, 0.34, "3"), right_aligned(0.79, 0.34, "13.95"), right_aligned(0.95, 0.34, "41.85"),
            words_at(0.05, 0.37, "2"), words_at(0.12, 0.37, "Apparel"), words_at(0.35, 0.37, "Cap, SKU C-12"),
            right_aligned(0.66, 0.37, "1"), right_aligned(0.79, 0.37, "9.00"), right_aligned(0.95, 0.37, "9.00"),
        ]
    )  # fmt: skip
    assert [(r["description"], r["code"]) for r in rows] == [
        ("Tee, SKU ST350", "ST350"),
        ("Cap, SKU C-12", "C-12"),
    ]
    numbered = rows_of(
        [
            words_at(0.05, 0.30, "SrNo"), words_at(0.20, 0.30, "Description of Goods"),
            words_at(0.62, 0.30, "Qty"), words_at(0.85, 0.30, "Amount"),
            words_at(0.05, 0.34, "1"), words_at(0.09, 0.34, "Photon 3G Plan"),
            right_aligned(0.66, 0.34, "1"), right_aligned(0.95, 0.34, "2800.00"),
        ]
    )  # fmt: skip
    assert [r["description"] for r in numbered] == ["Photon 3G Plan"]


def test_indian_digit_grouping_in_a_cell() -> None:
    rows = rows_of(
        [
            words_at(0.05, 0.30, "Description"), words_at(0.45, 0.30, "Qty"),
            words_at(0.60, 0.30, "Rate"), words_at(0.82, 0.30, "Amount"),
            words_at(0.05, 0.34, "Aluminium scraps"), right_aligned(0.50, 0.34, "26440"),
            right_aligned(0.70, 0.34, "193.00"), right_aligned(0.95, 0.34, "51,02,920.00"),
            words_at(0.05, 0.37, "IGST @ 18%"), right_aligned(0.95, 0.37, "9,18,525.60"),
        ]
    )  # fmt: skip
    assert triples(rows) == [("Aluminium scraps", 26440.0, 193.0, 5102920.0)]
