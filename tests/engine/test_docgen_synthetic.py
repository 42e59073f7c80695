"""The synthetic document generator: reproducible, varied, arithmetically consistent, and
its documents round-trip through the engine (line items found, a scanned receipt read)."""

from __future__ import annotations

import io
import json

import pdfplumber
import pypdfium2 as pdfium

import docgen
from docgen.corpus import write_corpus
from extractions.engine.evaluation.scoring import score_rows
from extractions.engine.parsing.fill import fill_schema
from extractions.engine.pipeline import read_pages
from extractions.engine.values.checks import lines_sum_to_total, quantity_times_unit_price


def test_the_same_seed_gives_the_same_bytes_and_ground_truth() -> None:
    for make in (docgen.synthetic_invoice, docgen.synthetic_receipt):
        a, b = make(7), make(7)
        assert a.data == b.data
        assert a.expected == b.expected and a.layout == b.layout
        assert make(8).data != a.data
    pdf = docgen.synthetic_receipt(3).data
    assert docgen.scan(pdf, seed=2) == docgen.scan(pdf, seed=2)


def test_layouts_vary_across_seeds() -> None:
    docs = [docgen.synthetic_invoice(s) for s in range(40)]
    assert {d.layout["language"] for d in docs} == {"en", "fr", "de", "nl", "es"}
    assert {d.layout["table"] for d in docs} == {"grid", "lines", "bare"}
    assert {d.layout["decimal"] for d in docs} == {".", ","}
    assert any(d.layout["gross_lines"] for d in docs) and not all(
        d.layout["gross_lines"] for d in docs
    )
    assert any(d.layout["wrapped"] for d in docs)
    assert any(d.layout["pages"] > 1 for d in docs)
    assert len({tuple(d.layout["concepts"]) for d in docs}) > 10  # column orders


def test_every_receipt_prints_its_whole_merchant_name_on_the_paper() -> None:
    # a long name is set smaller or wrapped: the ground truth's name is all on the page
    for seed in range(60):
        doc = docgen.synthetic_receipt(seed)
        with pdfplumber.open(io.BytesIO(doc.data)) as pdf:
            page = pdf.pages[0]
            assert all(0 <= c["x0"] and c["x1"] <= page.width for c in page.chars), seed
            printed = " ".join(page.extract_text().split())
        assert " ".join(doc.expected["company"].split()) in printed, seed


def test_ground_truth_balances() -> None:
    for seed in range(25):
        e = docgen.synthetic_invoice(seed).expected
        for line in e["lines"]:
            check = quantity_times_unit_price(
                quantity=line["quantity"], unit_price=line["unit_price"], amount=line["amount"]
            )
            assert check.ok, check.message
        amounts = [x["amount"] for x in e["lines"]]
        net = lines_sum_to_total(line_amounts=amounts, total=e["amount_untaxed"])
        gross = lines_sum_to_total(line_amounts=amounts, total=e["amount"])
        assert net.ok or gross.ok
        assert round(e["amount_untaxed"] + e["amount_tax"], 2) == e["amount"]


def test_generated_invoices_round_trip_through_the_engine() -> None:
    # forty layouts (languages, rules, column orders, centred headers, codes in descriptions,
    # notes, wrapped and above-the-numbers descriptions, pages): the table rules generalise
    right = expected = 0
    for seed in range(100, 140):
        doc = docgen.synthetic_invoice(seed)
        data = fill_schema(read_pages(doc.data), doc.schema).data
        assert data["lines"], f"no line items found in seed {seed} ({doc.layout})"
        items = doc.schema["properties"]["lines"]["items"]
        s = score_rows(data["lines"], doc.expected["lines"], items)["norm"]
        right += s["cells_right"]
        expected += s["cells_expected"]
    assert right / expected >= 0.95


def test_a_scanned_receipt_is_read_by_ocr() -> None:
    doc = docgen.synthetic_receipt(5)
    scanned = docgen.scan(doc.data, seed=5)
    pdf = pdfium.PdfDocument(scanned)
    try:
        assert len(pdf) == 1
        assert pdf[0].get_textpage().get_text_range().strip() == ""  # no text layer left
    finally:
        pdf.close()
    data = fill_schema(read_pages(scanned), doc.schema).data
    assert data["total"] == doc.expected["total"]


def test_a_corpus_on_disk_is_in_the_manifest_format(tmp_path) -> None:
    root = write_corpus(tmp_path / "syn", invoices=3, receipts=2, seed=4)
    entries = [json.loads(line) for line in (root / "manifest.jsonl").read_text().splitlines()]
    assert [e["doc_type"] for e in entries] == ["invoice"] * 3 + ["receipt"] * 2
    for e in entries:
        assert (root / e["file"]).read_bytes()[:5] == b"%PDF-"
        assert set(e["scored_fields"]) <= set(e["expected"])
    schema = json.loads((root / "schemas" / "invoice.json").read_text())
    assert "lines" in schema["properties"]
