"""Invoices in vendor styles the corpora do not hold (docgen.vendor_invoices): SaaS, German,
Belgian / Dutch and French layouts, generated, extracted, and the fields each rule fixed
asserted against the generator's ground truth."""

from __future__ import annotations

from typing import Any

import pytest

from docgen.pdf import PageSpec, build_pdf
from docgen.vendor_invoices import vendor_invoice
from extractions.engine import extract
from tests.engine.schemas import CORPUS_INVOICE

# the corpus's invoice schema, as a customer's parser would hold it
SCHEMA = CORPUS_INVOICE


def _extract(style: str, seed: int) -> tuple[dict[str, Any], dict[str, Any], str]:
    inv = vendor_invoice(style, seed)
    return extract(inv.pdf, SCHEMA).data, inv.truth, inv.variant


# the seller printed only in the footer (a register / tax-number line or a footer column);
# the block at the top is the buyer's, labelled ("Client :") or not (the address window)
@pytest.mark.parametrize(
    ("style", "seed"), [("de", 10), ("nl", 6), ("nl", 7), ("nl", 8), ("fr", 2), ("fr", 4)]
)
def test_issuer_registered_in_the_footer(style: str, seed: int) -> None:
    data, truth, variant = _extract(style, seed)
    assert variant.startswith("seller_footer")
    assert data["issuer"] == truth["issuer"]


@pytest.mark.parametrize("style", ["saas", "de", "nl", "fr"])
def test_header_fields_per_style(style: str) -> None:
    for seed in range(3):
        data, truth, _ = _extract(style, seed)
        for key in ("invoice_number", "date", "date_due", "amount", "amount_tax", "currency"):
            assert data[key] == pytest.approx(truth[key]), (seed, key)


# Dutch / Belgian totals: "Subtotaal" and "Maatstaf van heffing" (the taxable base) are the
# net, "BTW 21% over € …" the tax; neither is one more item row of the table above them
@pytest.mark.parametrize("seed", [3, 6, 9, 10])
def test_dutch_net_labels_end_the_table(seed: int) -> None:
    data, truth, _ = _extract("nl", seed)
    assert data["amount_untaxed"] == pytest.approx(truth["amount_untaxed"])
    assert data["amount_tax"] == pytest.approx(truth["amount_tax"])
    assert [row["amount"] for row in data["lines"]] == pytest.approx(
        [row["amount"] for row in truth["lines"]]
    )


# "Uiterste betaaldatum" (latest payment date): a Dutch due-date label
@pytest.mark.parametrize("seed", [102, 103, 110])
def test_dutch_due_date_labels(seed: int) -> None:
    data, truth, _ = _extract("nl", seed)
    assert data["date_due"] == truth["date_due"]


# "€3,708.81 due on receipt": the due label is answered in words on its own line, so the
# date printed under it (a billing period's start) is not the due date
@pytest.mark.parametrize("seed", [105, 108])
def test_due_on_receipt_reads_no_date_below(seed: int) -> None:
    data, truth, variant = _extract("saas", seed)
    assert "terms" in variant
    assert truth["date_due"] is None
    assert data["date_due"] is None


# seller and buyer share only their legal form ("… AG & Co. KGaA"): still two companies
def test_footer_issuer_when_names_share_a_legal_form() -> None:
    data, truth, variant = _extract("de", 117)
    assert variant.startswith("seller_footer")
    assert data["issuer"] == truth["issuer"]


# "T.V.A. 20 %", "Total H.T.", "Total T.T.C.": dotted abbreviations fold to single letters
@pytest.mark.parametrize("seed", [101, 103, 108])
def test_dotted_french_tax_labels(seed: int) -> None:
    data, truth, _ = _extract("fr", seed)
    assert data["amount_tax"] == pytest.approx(truth["amount_tax"])
    assert data["amount_untaxed"] == pytest.approx(truth["amount_untaxed"])


def _footer_only_seller(heading: str) -> bytes:
    """The seller named only in a footer line of parts, without register or tax words; the
    top holds a heading, the summary box and the "Bill to" block."""
    return build_pdf([PageSpec(texts=[
        (50, 75, heading, 20, "B"), (330, 100, "Invoice number", 9), (420, 100, "A1B2C3-0001", 9),
        (330, 114, "Date of issue", 9), (420, 114, "March 3, 2025", 9),
        (50, 170, "Bill to", 9, "B"), (50, 183, "Northwind Traders", 9), (50, 196, "12 Harbour Road", 9),
        (50, 209, "Dublin 2", 9),
        (50, 300, "Description", 8, "B"), (330, 300, "Qty", 8, "B"), (500, 300, "Amount", 8, "B"),
        (50, 318, "Hosting plan", 9), (330, 318, "1", 9), (500, 318, "€100.00", 9),
        (300, 360, "Total", 9), (500, 360, "€121.00", 9),
        (50, 800, "Contoso Cloud Ltd  ·  1 Main Street  ·  Cork  ·  Ireland", 7),
    ])])  # fmt: skip


# neither the heading ("Billing statement", "CREDITNOTA") nor a column name ("Qty") is the
# issuer; the footer's legal name is
@pytest.mark.parametrize(
    "heading",
    ["Invoice", "Billing statement", "CREDITNOTA", "Facture d'acompte", "Abschlagsrechnung"],
)
def test_issuer_not_a_heading_or_column_name(heading: str) -> None:
    assert extract(_footer_only_seller(heading), SCHEMA).data["issuer"] == "Contoso Cloud Ltd"


def _schema(props: dict[str, str], item: dict[str, str]) -> dict[str, Any]:
    def typed(kind: str) -> dict[str, Any]:
        return {"type": [kind, "null"]}

    items = {"type": "object", "properties": {k: typed(v) for k, v in item.items()}}
    out = {k: typed(v) for k, v in props.items()}
    return {"type": "object", "properties": {**out, "rows": {"type": "array", "items": items}}}


# a customer's schema without descriptions: German field names ("faelligkeit", "brutto"),
# abbreviations ("inv_no") and item properties named "sum" / "price each"
@pytest.mark.parametrize("style", ["saas", "de", "nl", "fr"])
def test_customer_field_names_without_descriptions(style: str) -> None:
    schema = _schema(
        {"inv_no": "string", "faelligkeit": "string", "brutto": "number"},
        {"text": "string", "count": "number", "price_each": "number", "sum": "number"},
    )
    for seed in (0, 2):
        inv = vendor_invoice(style, seed)
        data = extract(inv.pdf, schema).data
        assert data["inv_no"] == inv.truth["invoice_number"], seed
        assert data["faelligkeit"] == inv.truth["date_due"], seed
        assert data["brutto"] == pytest.approx(inv.truth["amount"]), seed
        assert [r["sum"] for r in data["rows"]] == pytest.approx(
            [r["amount"] for r in inv.truth["lines"]]
        ), seed


# one-field customer schemas named the way people name them: each reaches its concept
@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("verkaeufer", "issuer"), ("leverancier", "issuer"), ("provider", "issuer"),
        ("issued", "date"), ("factuurdatum", "date"),
        ("total_vat", "amount_tax"), ("vat_total", "amount_tax"),
        ("amount_before_tax", "amount_untaxed"), ("amount_excl_vat", "amount_untaxed"),
        ("to_pay", "amount"),
    ],
)  # fmt: skip
def test_customer_field_name_reaches_its_concept(name: str, field: str) -> None:
    kind = "number" if field.startswith("amount") else "string"
    schema = {"type": "object", "properties": {name: {"type": [kind, "null"]}}}
    for style in ("saas", "de", "nl", "fr"):
        inv = vendor_invoice(style, 1)
        assert extract(inv.pdf, schema).data[name] == pytest.approx(inv.truth[field]), style


# the summary box names the buyer ("Account name  Northwind", "Billed to  Bonner Ltd") above
# the seller's block; seller and buyer share only a legal form ("… CommV")
@pytest.mark.parametrize(
    ("style", "seed"), [("saas", 207), ("saas", 210), ("saas", 211), ("nl", 211), ("nl", 46)]
)
def test_issuer_not_the_labelled_customer(style: str, seed: int) -> None:
    data, truth, _ = _extract(style, seed)
    assert data["issuer"] == truth["issuer"]
