"""fill_schema: values found by meaning, typed, cited and scored; output always schema-valid."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

import docgen
from extractions.engine.parsing.fill import coerce, fill_schema
from extractions.engine.parsing.schema import output_schema
from extractions.engine.pipeline import read_pages
from extractions.engine.types import PageContent, Word
from tests.engine.schemas import CORPUS_INVOICE

CHAR_W = 0.009
LINE_H = 0.016

RECEIPT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "company": {"type": ["string", "null"], "description": "Merchant / company name as printed on the receipt."},
        "date": {"type": ["string", "null"], "description": "Transaction date."},
        "address": {"type": ["string", "null"], "description": "Merchant address as printed (lines joined with spaces)."},
        "total": {"type": ["number", "null"], "description": "Total amount charged."},
    },
}  # fmt: skip


def words_at(x: float, y: float, text: str, *, page: int = 1, conf: float = 0.95) -> list[Word]:
    out = []
    for token in text.split():
        w = len(token) * CHAR_W
        out.append(Word(token, page, x, y, x + w, y + LINE_H, conf, "ocr"))
        x += w + CHAR_W
    return out


def ocr_page(*items: tuple[float, float, str], number: int = 1) -> PageContent:
    words = [w for x, y, t in items for w in words_at(x, y, t, page=number)]
    return PageContent(number=number, width=800, height=1600, words=words, source="ocr")


def pdf_pages(*pages: list[tuple[float, float, str, float]]) -> list[PageContent]:
    return read_pages(docgen.build_pdf([list(p) for p in pages]))


def assert_cited(result: Any, path: str, pages: list[PageContent], text: str | None = None) -> None:
    """The citation of ``path`` covers printed words whose text is ``text``, on its page."""
    cit = result.citations[path]
    conf = result.confidence[path]
    assert 0.0 < conf <= 1.0
    x0, y0, x1, y1 = cit.bbox
    assert 0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0
    page = next(p for p in pages if p.number == cit.page)
    inside = [
        w
        for w in page.words
        if w.x0 >= x0 - 1e-6 and w.x1 <= x1 + 1e-6 and w.y0 >= y0 - 1e-6 and w.y1 <= y1 + 1e-6
    ]
    assert " ".join(w.text for w in inside) == cit.text
    if text is not None:
        assert cit.text == text


def leaves(data: Any, prefix: str = "") -> list[str]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in leaves(v, f"{prefix}.{k}" if prefix else k)]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in leaves(v, f"{prefix}[{i}]")]
    return [] if data is None else [prefix]


def assert_evidence_complete(result: Any) -> None:
    """Every non-null leaf has a citation and a confidence; nothing else has one."""
    paths = set(leaves(result.data))
    assert set(result.citations) == paths
    assert set(result.confidence) == paths


# --------------------------------------------------------------------------- basics


def test_nothing_found_is_null_and_still_valid() -> None:
    res = fill_schema([PageContent(number=1, width=10, height=10)], CORPUS_INVOICE)
    jsonschema.validate(res.data, CORPUS_INVOICE)
    assert res.data == {k: None for k in CORPUS_INVOICE["properties"]}
    assert res.citations == {} and res.confidence == {}


def test_non_nullable_arrays_are_empty_and_objects_nested() -> None:
    schema = {
        "type": "object",
        "properties": {
            "vendor": {"type": "object", "properties": {"name": {"type": "string"}}},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
    }
    res = fill_schema([PageContent(number=1, width=10, height=10)], schema)
    assert res.data == {"vendor": {"name": None}, "tags": []}
    jsonschema.validate(res.data, output_schema(schema))
    # a non-nullable leaf stays declared as such in the customer's schema, but the output
    # contract allows null for it
    assert output_schema(schema)["properties"]["vendor"]["properties"]["name"]["type"] == [
        "string",
        "null",
    ]
    assert output_schema(schema)["properties"]["vendor"]["type"] == "object"


# --------------------------------------------------------------------------- receipts


def test_receipt_company_address_date_and_rounded_total() -> None:
    page = ocr_page(
        (0.30, 0.02, "3180303"),  # a handwritten mark above the header
        (0.20, 0.05, "POPULAR BOOK"),
        (0.15, 0.07, "CO. (M) SDN BHD"),
        (0.20, 0.09, "(Co. No. 113825-W)"),
        (0.10, 0.11, "No 8, Jalan 7/118B, Desa Tun Razak"),
        (0.15, 0.13, "56000 Kuala Lumpur, Malaysia"),
        (0.20, 0.15, "Tel: 03-9201 6281"),
        (0.05, 0.18, "01/03/18 19:14 Slip No.: 0010104733"),
        (0.05, 0.22, "TOMBOW C/Tape"),
        (0.70, 0.22, "19.78"),
        (0.05, 0.30, "Total RM Incl. of GST"),
        (0.70, 0.30, "49.39"),
        (0.05, 0.32, "Rounding Adj"),
        (0.70, 0.32, "0.01"),
        (0.05, 0.34, "Total RM"),
        (0.70, 0.34, "49.40"),
        (0.05, 0.36, "Cash"),
        (0.70, 0.36, "50.00"),
        (0.05, 0.38, "CHANGE"),
        (0.70, 0.38, "0.60"),
        (0.05, 0.42, "GST Summary Amount (RM) Tax (RM)"),
        (0.05, 0.44, "Total Savings -3.29"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data == {
        "company": "POPULAR BOOK CO. (M) SDN BHD",
        "date": "2018-03-01",
        "address": "No 8, Jalan 7/118B, Desa Tun Razak 56000 Kuala Lumpur, Malaysia",
        "total": 49.40,
    }
    assert_evidence_complete(res)
    assert_cited(res, "total", [page], "49.40")
    assert_cited(res, "date", [page], "01/03/18")
    assert_cited(res, "company", [page], "POPULAR BOOK CO. (M) SDN BHD")


def test_receipt_total_from_payment_when_no_total_label() -> None:
    page = ocr_page(
        (0.2, 0.05, "KEDAI MAJU ENTERPRISE"),
        (0.1, 0.07, "12, JALAN BESAR, 43000 KAJANG"),
        (0.1, 0.12, "Date: 18/03/2018"),
        (0.1, 0.30, "SUBTOTAL: 28.60"),
        (0.1, 0.32, "TL:RM 28.60"),
        (0.1, 0.36, "CASH 100.00"),
        (0.1, 0.38, "CHANGE 71.40"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["total"] == 28.60
    assert res.data["company"] == "KEDAI MAJU ENTERPRISE"
    assert res.data["address"] == "12, JALAN BESAR, 43000 KAJANG"
    # found through arithmetic on other labels: less sure than a labelled total
    assert res.confidence["total"] < 0.7


def test_a_total_with_the_tax_in_it_is_not_the_tax_line() -> None:
    # "Total GST" is the tax; "Total (GST incl.)" the payable total
    page = ocr_page(
        (0.2, 0.05, "KEDAI BUKU MAJU"),
        (0.1, 0.30, "SUBTOTAL"), (0.7, 0.30, "2.56"),
        (0.1, 0.32, "TOTAL (GST INCL)"), (0.7, 0.32, "2.56"),
        (0.1, 0.34, "TOTAL GST"), (0.7, 0.34, "0.14"),
        (0.1, 0.38, "CARD"), (0.7, 0.38, "2.56"),
    )  # fmt: skip
    assert fill_schema([page], RECEIPT).data["total"] == 2.56


def test_a_cash_sale_settles_a_plain_total_read_from_the_wrong_line() -> None:
    # the only "Total" label heads the tax note; tendered minus change is printed above
    page = ocr_page(
        (0.2, 0.05, "KEDAI BUKU MAJU"),
        (0.1, 0.30, "Qty 8"), (0.7, 0.30, "19.20"),
        (0.1, 0.32, "Pay"), (0.7, 0.32, "20.00"),
        (0.1, 0.34, "Change"), (0.7, 0.34, "0.80"),
        (0.1, 0.38, "(Total Included GST @ 6% : 1.09)"),
    )  # fmt: skip
    res = fill_schema([page], RECEIPT)
    assert res.data["total"] == 19.20
    assert res.citations["total"].text == "19.20"


def test_a_rounding_adjustment_with_its_sign_printed_apart() -> None:
    page = ocr_page(
        (0.2, 0.05, "KEDAI BUKU MAJU"),
        (0.1, 0.30, "Total Incl. GST RM"), (0.7, 0.30, "27.27"),
        (0.1, 0.32, "ROUNDING ADJUSTMENT -RM"), (0.7, 0.32, "0.02"),
        (0.1, 0.34, "TOTAL ROUNDED RM"), (0.7, 0.34, "27.25"),
        (0.1, 0.36, "CARD"), (0.7, 0.36, "27.25"),
    )  # fmt: skip
    assert fill_schema([page], RECEIPT).data["total"] == 27.25


def test_a_total_whose_decimal_point_ocr_dropped_is_not_the_largest_total() -> None:
    page = ocr_page(
        (0.2, 0.05, "KEDAI BUKU MAJU"),
        (0.1, 0.30, "Total Amt Incl. GST@6% :"), (0.7, 0.30, "2700"),
        (0.1, 0.32, "Rounding Adjustment:"), (0.7, 0.32, "0.00"),
        (0.1, 0.34, "Total Amt Payable :"), (0.7, 0.34, "27.00"),
    )  # fmt: skip
    assert fill_schema([page], RECEIPT).data["total"] == 27.00


def test_a_round_total_without_decimals_stays_the_total() -> None:
    page = ocr_page(
        (0.2, 0.05, "KEDAI BUKU MAJU"),
        (0.1, 0.30, "Subtotal"), (0.7, 0.30, "2500"),
        (0.1, 0.32, "Total"), (0.7, 0.32, "2700"),
    )  # fmt: skip
    assert fill_schema([page], RECEIPT).data["total"] == 2700


def text_page(*items: tuple[float, float, str]) -> PageContent:
    words = [w for x, y, t in items for w in words_at(x, y, t)]
    return PageContent(1, 600, 800, words, source="text")


def test_the_tax_is_not_the_amount_its_rate_applies_to() -> None:
    page = text_page(
        (0.1, 0.05, "Midway Studio Inc"), (0.6, 0.05, "Invoice"),
        (0.1, 0.40, "Subtotal"), (0.7, 0.40, "$30.00"),
        (0.1, 0.42, "Sales Tax - Washington (8.7% on $30.00)"), (0.7, 0.42, "$2.61"),
        (0.1, 0.44, "Total"), (0.7, 0.44, "$32.61"),
    )  # fmt: skip
    assert fill_schema([page], CORPUS_INVOICE).data["amount_tax"] == 2.61


def test_a_tax_row_read_past_its_quantity() -> None:
    page = text_page(
        (0.1, 0.05, "Posit Software PBC"), (0.6, 0.05, "Invoice"),
        (0.1, 0.40, "Sales Tax"), (0.45, 0.40, "1"), (0.6, 0.40, "$1.14"), (0.8, 0.40, "$1.14"),
        (0.1, 0.44, "Total"), (0.8, 0.44, "$14.14"),
    )  # fmt: skip
    assert fill_schema([page], CORPUS_INVOICE).data["amount_tax"] == 1.14


def test_the_total_of_a_tax_breakdown_by_rate_is_the_tax() -> None:
    page = text_page(
        (0.1, 0.05, "LE FOURNISSEUR SARL"), (0.6, 0.05, "Facture"),
        (0.1, 0.40, "Taux"), (0.3, 0.40, "Base TVA"), (0.6, 0.40, "Montant TVA"),
        (0.1, 0.42, "20,00%"), (0.3, 0.42, "11,00"), (0.6, 0.42, "2,20"),
        (0.1, 0.44, "10,00%"), (0.3, 0.44, "27,00"), (0.6, 0.44, "2,70"),
        (0.1, 0.50, "TOTAL HT"), (0.4, 0.50, "TOTAL TVA"), (0.7, 0.50, "TOTAL TTC"),
        (0.1, 0.52, "100,00"), (0.4, 0.52, "4,90"), (0.7, 0.52, "104,90"),
    )  # fmt: skip
    assert fill_schema([page], CORPUS_INVOICE).data["amount_tax"] == 4.90


def test_net_tax_and_gross_are_chosen_so_that_they_add_up() -> None:
    # each label alone points at the wrong amount of the tax line ("19% VAT: base tax gross");
    # the arithmetic picks the tax and net that make net + tax = gross
    page = text_page(
        (0.1, 0.05, "Muster Handel GmbH"), (0.6, 0.05, "Rechnung"),
        (0.1, 0.40, "Nettobetrag (zzgl. 19,00% MwSt.)"), (0.7, 0.40, "376,37"),
        (0.1, 0.44, "19,00% MwSt.:"), (0.4, 0.44, "376,37"), (0.55, 0.44, "71,51"),
        (0.7, 0.44, "447,88"),
        (0.1, 0.48, "Gesamtbetrag"), (0.7, 0.48, "447,88"),
    )  # fmt: skip
    res = fill_schema([page], CORPUS_INVOICE)
    assert (res.data["amount_untaxed"], res.data["amount_tax"], res.data["amount"]) == (
        376.37,
        71.51,
        447.88,
    )
    assert res.citations["amount_tax"].text == "71,51"


def test_amounts_that_do_not_add_up_in_any_reading_are_left_as_read() -> None:
    page = text_page(
        (0.1, 0.05, "Muster Handel GmbH"), (0.6, 0.05, "Rechnung"),
        (0.1, 0.40, "Nettobetrag"), (0.7, 0.40, "100,00"),
        (0.1, 0.44, "MwSt."), (0.7, 0.44, "15,00"),
        (0.1, 0.48, "Gesamtbetrag"), (0.7, 0.48, "125,00"),
    )  # fmt: skip
    res = fill_schema([page], CORPUS_INVOICE)
    assert (res.data["amount_untaxed"], res.data["amount_tax"], res.data["amount"]) == (
        100.0,
        15.0,
        125.0,
    )


AD_ORDER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "advertiser": {"type": ["string", "null"], "description": "Advertiser name"},
        "market": {"type": ["string", "null"], "description": "Market"},
    },
}


def test_a_value_wrapped_in_its_cell_continues_on_the_next_line() -> None:
    page = text_page(
        (0.10, 0.10, "Agency: BUYING TIME,LLC"), (0.40, 0.10, "Advertiser: Tom Steyer for"),
        (0.75, 0.10, "Market: Myrtle Beach"),
        (0.52, 0.12, "President 2020"),
        (0.10, 0.14, "650 Massachusetts"), (0.40, 0.14, "Product: Political"),
        (0.75, 0.14, "Office: WASHINGTON"),
    )  # fmt: skip
    data = fill_schema([page], AD_ORDER).data
    assert data["advertiser"] == "Tom Steyer for President 2020"
    assert data["market"] == "Myrtle Beach"


def test_the_next_label_and_value_are_no_continuation() -> None:
    # right-aligned labels put the next value where this one starts: a label precedes it
    page = text_page(
        (0.20, 0.10, "Advertiser:"), (0.34, 0.10, "Acme Widgets"),
        (0.25, 0.12, "Market:"), (0.34, 0.12, "Denver"),
    )  # fmt: skip
    data = fill_schema([page], AD_ORDER).data
    assert data["advertiser"] == "Acme Widgets"
    assert data["market"] == "Denver"


def test_a_zero_tax_line_does_not_move_a_net_that_differs_from_the_gross() -> None:
    # the taxes are printed per rate only; "VAT 0% ... 0.00" must not make net = gross
    page = text_page(
        (0.1, 0.05, "Hotel Am Markt GmbH"), (0.6, 0.05, "Rechnung"),
        (0.1, 0.40, "VAT - 19%"), (0.4, 0.40, "12.61"), (0.55, 0.40, "2.39"), (0.7, 0.40, "15.00"),
        (0.1, 0.42, "VAT - 0%"), (0.4, 0.42, "4.00"), (0.55, 0.42, "0.00"), (0.7, 0.42, "4.00"),
        (0.1, 0.46, "Total net"), (0.7, 0.46, "168.01 EUR"),
        (0.1, 0.48, "Total gross"), (0.7, 0.48, "181.00 EUR"),
    )  # fmt: skip
    res = fill_schema([page], CORPUS_INVOICE)
    assert res.data["amount_untaxed"] == 168.01
    assert res.data["amount"] == 181.0


def test_a_sum_read_under_a_column_header_is_the_columns_totals_row() -> None:
    schema = {
        "type": "object",
        "properties": {"gross": {"type": "number", "description": "Gross amount"}},
    }
    page = text_page(
        (0.1, 0.10, "Order 4471"),
        (0.1, 0.40, "Period"), (0.3, 0.40, "Spots"), (0.5, 0.40, "Gross Amount"),
        (0.7, 0.40, "Net Amount"),
        (0.1, 0.42, "01/27/20"), (0.3, 0.42, "33"), (0.5, 0.42, "$8,555.00"), (0.7, 0.42, "$7,271.75"),
        (0.1, 0.44, "02/24/20"), (0.3, 0.44, "91"), (0.5, 0.44, "$22,635.00"),
        (0.7, 0.44, "$19,239.75"),
        (0.1, 0.46, "Totals"), (0.3, 0.46, "124"), (0.5, 0.46, "$31,190.00"),
        (0.7, 0.46, "$26,511.50"),
    )  # fmt: skip
    res = fill_schema([page], schema)
    assert res.data["gross"] == 31190.0
    assert res.citations["gross"].text == "$31,190.00"


def test_a_dollar_sign_means_the_dollar_the_document_names() -> None:
    page = text_page(
        (0.1, 0.05, "A.E. Blake Ltd"), (0.6, 0.05, "Invoice"),
        (0.1, 0.30, "Belt 6x202"), (0.7, 0.30, "$68.45"),
        (0.1, 0.40, "Total:"), (0.7, 0.40, "$ 3,099.67"),
        (0.7, 0.42, "CAD"),
    )  # fmt: skip
    assert fill_schema([page], CORPUS_INVOICE).data["currency"] == "CAD"


def test_a_list_of_accepted_currencies_or_a_code_in_a_sentence_is_no_currency() -> None:
    page = text_page(
        (0.1, 0.05, "Freshworks Inc"), (0.6, 0.05, "Invoice"),
        (0.1, 0.20, "Quoted with a TOP of deck mount posts"),
        (0.1, 0.30, "Amount Due (USD)"), (0.7, 0.30, "$10.00"),
        (0.1, 0.40, "We accept: AUD EUR GBP USD"),
    )  # fmt: skip
    assert fill_schema([page], CORPUS_INVOICE).data["currency"] == "USD"


def test_rupees_written_rs() -> None:
    page = text_page(
        (0.1, 0.05, "Reliance Retail Ltd"), (0.6, 0.05, "Tax Invoice"),
        (0.1, 0.40, "Total"), (0.7, 0.40, "Rs. 147.00"),
    )  # fmt: skip
    assert fill_schema([page], CORPUS_INVOICE).data["currency"] == "INR"


def test_summary_table_totals_do_not_beat_the_payable_total() -> None:
    page = ocr_page(
        (0.2, 0.05, "ZEN CAFE SDN BHD"),
        (0.1, 0.30, "Total (RM) :"),
        (0.7, 0.30, "8.00"),
        (0.1, 0.40, "GST SUMMARY"),
        (0.1, 0.42, "Total :"),
        (0.6, 0.42, "7.55 0.45"),
    )
    assert fill_schema([page], RECEIPT).data["total"] == 8.00


def test_ocr_misread_labels_still_match() -> None:
    page = ocr_page(
        (0.2, 0.05, "KEDAI BUKU MAJU"),
        (0.1, 0.30, "SUB-TOIAL"), (0.7, 0.30, "10.00"),
        (0.1, 0.32, "T0TAL AMUUNT"), (0.7, 0.32, "10.60"),
        (0.1, 0.36, "CASH"), (0.7, 0.36, "20.00"),
    )  # fmt: skip
    res = fill_schema([page], RECEIPT)
    assert res.data["total"] == 10.60
    assert res.citations["total"].text == "10.60"


def test_text_layer_words_are_not_spell_corrected() -> None:
    # a PDF's text layer is exact: "Rated" is not a misread "Dated"
    page = PageContent(1, 600, 800, words_at(0.1, 0.1, "Rated 12/03/2024"), source="text")
    schema = {"type": "object", "properties": {"date": {"type": "string", "format": "date"}}}
    res = fill_schema([page], schema)
    assert res.data == {"date": "2024-03-12"}
    assert res.confidence["date"] < 0.7  # found as the first date, not after a date label


# --------------------------------------------------------------------------- invoices


def test_generated_invoice_end_to_end() -> None:
    pdf, expected = docgen.invoice_pdf(2, seed=3, rows_per_page=6)
    pages = read_pages(pdf)
    res = fill_schema(pages, docgen.INVOICE_SCHEMA)
    jsonschema.validate(res.data, output_schema(docgen.INVOICE_SCHEMA))
    for key in (
        "issuer",
        "invoice_number",
        "date",
        "due_date",
        "customer",
        "currency",
        "subtotal",
        "tax",
        "total",
    ):
        assert res.data[key] == expected[key], key
    assert res.data["lines"] == [
        {**line, "quantity": float(line["quantity"])} for line in expected["lines"]
    ]
    assert_evidence_complete(res)
    assert_cited(res, "invoice_number", pages, expected["invoice_number"])
    assert_cited(res, "total", pages, f"{expected['total']:,.2f}")
    assert res.citations["total"].page == 2
    assert res.citations["lines[7].amount"].page == 2
    assert_cited(res, "lines[0].description", pages, expected["lines"][0]["description"])
    # a labelled value is surer than the company name guessed from the layout
    assert res.confidence["invoice_number"] > res.confidence["issuer"]


def test_french_invoice_labels() -> None:
    pages = pdf_pages(
        [
            (50, 50, "Au bon moulin SARL - 1242 chemin de l'olive - 84340 Malaucène", 9),
            (50, 90, "Facture N° FA-2017-0010", 14),
            (50, 130, "Date de facture", 10), (160, 130, "13/11/2017", 10),
            (50, 145, "Date d'échéance", 10), (160, 145, "13/12/2017", 10),
            (50, 160, "Votre référence", 10), (160, 160, "PO445", 10),
            (380, 400, "Total HT", 10), (480, 400, "624,90 EUR", 10),
            (380, 415, "Total TVA", 10), (480, 415, "46,25 EUR", 10),
            (380, 430, "Total TTC", 10), (480, 430, "671,15 EUR", 10),
            (380, 445, "Net à payer", 10), (480, 445, "470,15 EUR", 10),
        ]
    )  # fmt: skip
    res = fill_schema(pages, CORPUS_INVOICE)
    assert res.data == {
        "issuer": "Au bon moulin SARL",
        "invoice_number": "FA-2017-0010",
        "date": "2017-11-13",
        "date_due": "2017-12-13",
        "amount": 671.15,
        "amount_untaxed": 624.90,
        "amount_tax": 46.25,
        "currency": "EUR",
        "lines": None,
    }
    assert_cited(res, "amount", pages, "671,15")
    assert_cited(res, "date_due", pages, "13/12/2017")


def test_german_invoice_labels_and_month_names() -> None:
    pages = pdf_pages(
        [
            (350, 50, "Bei Spiel GmbH", 14),
            (50, 120, "Rechnungsnummer: RE-20170509/505", 10),
            (50, 135, "Rechnungsdatum: 9. Mai 2017", 10),
            (50, 150, "Leistungsdatum: 07.05.2017", 10),
            (50, 400, "Nettobetrag:", 10), (200, 400, "496,00 EUR", 10),
            (50, 415, "MwSt. 19%:", 10), (200, 415, "75,04 EUR", 10),
            (50, 430, "Gesamtbetrag:", 10), (200, 430, "1.571,04 EUR", 10),
            (50, 470, "Bitte überweisen Sie bis zum 30.05.2017.", 10),
        ]
    )  # fmt: skip
    res = fill_schema(pages, CORPUS_INVOICE)
    assert res.data["issuer"] == "Bei Spiel GmbH"
    assert res.data["invoice_number"] == "RE-20170509/505"
    assert res.data["date"] == "2017-05-09"
    assert res.data["date_due"] == "2017-05-30"
    assert (res.data["amount_untaxed"], res.data["amount_tax"], res.data["amount"]) == (
        496.0,
        75.04,
        1571.04,
    )
    assert res.data["currency"] == "EUR"


def test_unfamiliar_field_names_work_through_aliases_and_descriptions() -> None:
    pages = pdf_pages(
        [
            (50, 60, "ACME Ltd", 14),
            (50, 100, "Kundennummer: K-7781", 10),
            (50, 115, "Projekt: Dachsanierung Nord", 10),
            (50, 130, "Lieferdatum: 02.03.2024", 10),
            (50, 145, "Anzahl Paletten: 14", 10),
            (50, 160, "Expressversand: ja", 10),
        ]
    )
    schema = {
        "type": "object",
        "properties": {
            "client_ref": {"type": "string", "x-aliases": ["Kundennummer", "Customer no"]},
            "project_name": {
                "type": "string",
                "description": "Projekt / project the work belongs to",
            },
            "shipped_on": {"type": "string", "format": "date", "title": "Lieferdatum"},
            "pallets": {"type": "integer", "x-aliases": ["Anzahl Paletten"]},
            "express": {"type": "boolean", "x-aliases": ["Expressversand"]},
            "po_number": {"type": "string"},
        },
    }
    res = fill_schema(pages, schema)
    assert res.data == {
        "client_ref": "K-7781",
        "project_name": "Dachsanierung Nord",
        "shipped_on": "2024-03-02",
        "pallets": 14,
        "express": True,
        "po_number": None,  # not printed: never invented
    }
    jsonschema.validate(res.data, output_schema(schema))
    assert_evidence_complete(res)


def test_nested_vendor_and_customer_objects() -> None:
    pages = pdf_pages(
        [
            (50, 60, "Globex Industrial", 16),
            (50, 78, "12 Harbour Road, Bristol BS1 4DJ", 9),
            (50, 140, "Bill to:", 10),
            (50, 155, "Umbrella Retail", 10),
            (50, 170, "3 Market Street, Leeds", 10),
        ]
    )
    schema = {
        "type": "object",
        "properties": {
            "vendor": {"type": "object", "properties": {"name": {"type": "string"}, "address": {"type": "string"}}},
            "customer": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    }  # fmt: skip
    res = fill_schema(pages, schema)
    assert res.data == {
        "vendor": {"name": "Globex Industrial", "address": "12 Harbour Road, Bristol BS1 4DJ"},
        "customer": {"name": "Umbrella Retail"},
    }
    assert set(res.citations) == {"vendor.name", "vendor.address", "customer.name"}


def test_the_name_under_bill_to_is_not_the_issuer() -> None:
    pages = pdf_pages(
        [
            (50, 60, "Bill to:", 10),
            (50, 78, "Umbrella Retail Ltd", 16),
            (50, 94, "3 Market Street, Leeds", 10),
            (350, 60, "Globex Industrial", 12),
        ]
    )
    schema = {
        "type": "object",
        "properties": {"vendor": {"type": "string"}, "customer": {"type": "string"}},
    }
    assert fill_schema(pages, schema).data == {
        "vendor": "Globex Industrial",
        "customer": "Umbrella Retail Ltd",
    }


def test_field_names_that_only_look_like_known_fields() -> None:
    page = ocr_page(
        (0.1, 0.10, "Invoice date: 02/03/2024"),
        (0.1, 0.12, "Delivery date: 05/03/2024"),
        (0.1, 0.30, "Total Qty: 3"),
        (0.1, 0.32, "Tax rate: 20 %"),
        (0.1, 0.34, "Amount due:"), (0.6, 0.34, "120.00"),
    )  # fmt: skip
    schema = {
        "type": "object",
        "properties": {
            "delivery_date": {"type": "string", "format": "date"},
            "total_quantity": {"type": "integer"},
            "tax_rate": {"type": "number"},
            "due_amount": {"type": "number"},
        },
    }
    assert fill_schema([page], schema).data == {
        "delivery_date": "2024-03-05",
        "total_quantity": 3,
        "tax_rate": 20.0,
        "due_amount": 120.0,
    }


def test_enum_values_are_matched_or_null() -> None:
    pages = pdf_pages([(50, 60, "Payment method: Credit card", 10)])
    schema = {
        "type": "object",
        "properties": {
            "payment_method": {"type": "string", "enum": ["cash", "credit card", "transfer"]},
            "status": {"type": ["string", "null"], "enum": ["paid", "unpaid"]},
        },
    }
    res = fill_schema(pages, schema)
    assert res.data == {"payment_method": "credit card", "status": None}


def test_due_date_is_never_guessed_from_other_dates() -> None:
    pages = pdf_pages([(50, 60, "Invoice 77", 12), (50, 80, "Date: 03/02/2024", 10)])
    res = fill_schema(pages, CORPUS_INVOICE)
    assert res.data["date"] == "2024-02-03"
    assert res.data["date_due"] is None


@pytest.mark.parametrize("target", ["per_doc", "per_page", "per_table_row"])
def test_odd_schemas_never_crash_and_stay_valid(target: str) -> None:
    page = ocr_page((0.1, 0.1, "Total 5.00"), (0.1, 0.2, "Date 01/02/2020"))
    schema = {
        "type": "object",
        "properties": {
            "b": {"type": "null"},
            "c": {"enum": [1, 2, 5]},
            "d": {"type": "array"},
            "total": {"type": "integer"},
            "amount": {"type": "number", "enum": [5.0, 6.0]},
            "n": {"type": "object"},
            "x": {"type": ["number", "null"], "description": ""},
        },
    }
    res = fill_schema([page], schema, target)
    if target == "per_doc":
        assert res.data == {
            "b": None,
            "c": None,
            "d": [],
            "total": 5,
            "amount": 5.0,
            "n": {},
            "x": None,
        }
        jsonschema.validate(res.data, output_schema(schema))
        assert_evidence_complete(res)
    elif target == "per_page":
        assert len(res.data) == 1
    else:
        assert res.data == []


def test_arrays_of_emails_collect_every_one() -> None:
    page = ocr_page(
        (0.1, 0.1, "Contact: sales@acme.example"), (0.1, 0.2, "Support support@acme.example")
    )
    schema = {
        "type": "object",
        "properties": {"emails": {"type": "array", "items": {"type": "string"}}},
    }
    res = fill_schema([page], schema)
    assert res.data == {"emails": ["sales@acme.example", "support@acme.example"]}
    assert res.citations["emails[1]"].text == "support@acme.example"


# --------------------------------------------------------------------------- targets


def test_per_page_target_fills_one_object_per_page() -> None:
    pages = pdf_pages(
        [(50, 60, "Receipt 1", 12), (50, 100, "Total: 12.50", 10)],
        [(50, 60, "Receipt 2", 12), (50, 100, "Total: 7.20", 10)],
    )
    schema = {"type": "object", "properties": {"total": {"type": "number"}}}
    res = fill_schema(pages, schema, "per_page")
    assert res.data == [{"total": 12.5}, {"total": 7.2}]
    assert set(res.citations) == {"[0].total", "[1].total"}
    assert res.citations["[1].total"].page == 2


def test_per_table_row_target() -> None:
    pdf, expected = docgen.invoice_pdf(1, seed=5, rows_per_page=4, ruled=False)
    pages = read_pages(pdf)
    row_schema = docgen.INVOICE_SCHEMA["properties"]["lines"]["items"]
    res = fill_schema(pages, row_schema, "per_table_row")
    assert [r["amount"] for r in res.data] == [line["amount"] for line in expected["lines"]]
    assert res.citations["[3].description"].text == expected["lines"][3]["description"]


# --------------------------------------------------------------------------- coercion


@pytest.mark.parametrize(
    ("value", "node", "kind", "out"),
    [
        (12.0, {"type": "integer"}, "amount", 12),
        (12.5, {"type": "integer"}, "amount", None),
        ("1.234,50", {"type": "number"}, "text", 1234.5),
        ("oui", {"type": "boolean"}, "text", True),
        ("13/11/2017", {"type": "string", "format": "date"}, "text", "2017-11-13"),
        ("soon", {"type": "string", "format": "date"}, "text", None),
        ("eur", {"type": ["string", "null"], "pattern": "^[A-Z]{3}$"}, "currency", None),
        ("EUR", {"type": ["string", "null"], "pattern": "^[A-Z]{3}$"}, "currency", "EUR"),
        ("Paid", {"type": "string", "enum": ["paid", "open"]}, "text", "paid"),
        (True, {"type": "number"}, "bool", None),
        (3.0, {"type": ["integer", "string"]}, "amount", 3),
    ],
)
def test_coercion_to_schema_types(value: Any, node: dict, kind: str, out: Any) -> None:
    assert coerce(value, node, kind) == out


def test_receipt_total_due_beside_a_note_of_the_tax_it_includes() -> None:
    page = ocr_page(
        (0.20, 0.05, "KINGSLEY BAKERY SDN BHD"),
        (0.10, 0.40, "201026 SCONE - 1 7.50"),
        (0.10, 0.45, "Qty 1"),
        (0.10, 0.48, "Rounding Adj"), (0.60, 0.48, "0.00"),
        (0.10, 0.52, "Due"), (0.60, 0.52, "7.50"),
        (0.10, 0.55, "Fay"), (0.60, 0.55, "20.00"),  # "Pay" misread
        (0.10, 0.58, "Change"), (0.60, 0.58, "12.50"),
        (0.10, 0.62, "(Total Included GST @ 6% : 0.42)"),
    )  # fmt: skip
    assert fill_schema([page], RECEIPT).data["total"] == 7.50


def test_receipt_change_due_is_not_a_total_due() -> None:
    page = ocr_page(
        (0.20, 0.05, "LIANG STATIONERY SDN BHD"),
        (0.10, 0.40, "Tack-it 75g 2 SR 12.00"),
        (0.10, 0.45, "TOTAL"), (0.60, 0.45, "12.00"),
        (0.10, 0.48, "CASH"), (0.60, 0.48, "50.00"),
        (0.10, 0.51, "CHANGE DUE"), (0.60, 0.51, "38.00"),
    )  # fmt: skip
    assert fill_schema([page], RECEIPT).data["total"] == 12.00


def test_receipt_total_line_followed_at_once_by_the_change_is_the_amount_handed_over() -> None:
    page = ocr_page(
        (0.10, 0.05, "Harbour Realties Sdn Bhd"),
        (0.10, 0.40, "010100 Pay parking ticket 5.00 RM"),
        (0.10, 0.45, "Amount Incl. GST"), (0.60, 0.45, "5.00 RM"),
        (0.10, 0.48, "Accepted total"), (0.60, 0.48, "10.00 RM"),
        (0.10, 0.51, "Change"), (0.60, 0.51, "5.00 RM"),
        (0.10, 0.54, "GST 6%"), (0.60, 0.54, "0.28 RM"),
    )  # fmt: skip
    assert fill_schema([page], RECEIPT).data["total"] == 5.00


def test_receipt_total_then_cash_then_change_keeps_the_total() -> None:
    page = ocr_page(
        (0.10, 0.05, "Harbour Realties Sdn Bhd"),
        (0.10, 0.40, "Parking ticket"), (0.60, 0.40, "5.00"),
        (0.10, 0.45, "Total"), (0.60, 0.45, "10.00"),
        (0.10, 0.48, "Cash"), (0.60, 0.48, "20.00"),
        (0.10, 0.51, "Change"), (0.60, 0.51, "10.00"),
    )  # fmt: skip
    assert fill_schema([page], RECEIPT).data["total"] == 10.00


def test_receipt_rounding_line_that_prints_the_rounded_total() -> None:
    page = ocr_page(
        (0.10, 0.05, "SEA GROCER SDN BHD"),
        (0.10, 0.40, "967 ANCHOR SERBUK CUCI 4KG RM18.80"),
        (0.10, 0.45, "Total Sales (Inclusive GST) RM 177.22"),
        (0.10, 0.48, "Rounding RM 177,20"),
        (0.10, 0.51, "CREDIT RM 177.20"),
    )
    assert fill_schema([page], RECEIPT).data["total"] == 177.20
