"""The engine never fails on a valid document: a sample of the shared corpora, and the edge
cases they taught (empty pages, one-word pages, values on their label's line).

The corpus part reads ``../shared/corpus/{train,dev}`` (skipped when absent) and runs the
whole pipeline on every doc type's text PDFs, evenly spread over each manifest, plus a few
scans, with the corpus's schemas and a customer-named schema set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from extractions.engine import ExtractionOptions, extract, read_pages
from extractions.engine.evaluation.schema_sets import CUSTOMER_SCHEMAS
from extractions.engine.parsing.fill import fill_schema
from extractions.engine.types import PageContent, Word

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
PDFS_PER_TYPE = 4  # per corpus and doc type, spread over the manifest
SCANS_PER_CORPUS = 1  # OCR costs ~2 CPU-s a page: one scan per corpus


def _manifest(corpus: Path) -> list[dict[str, Any]]:
    with open(corpus / "manifest.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _sample(corpus: Path) -> list[dict[str, Any]]:
    entries = _manifest(corpus)
    out: list[dict[str, Any]] = []
    for doc_type in sorted({e["doc_type"] for e in entries}):
        pdfs = [
            e
            for e in entries
            if e["doc_type"] == doc_type
            and e["file"].endswith(".pdf")
            and not any("image-only" in n or "scan" in n for n in e.get("notes") or [])
        ]
        step = max(1, len(pdfs) // PDFS_PER_TYPE)
        out.extend(pdfs[::step][:PDFS_PER_TYPE])
    scans = sorted(
        (e for e in entries if not e["file"].endswith(".pdf")), key=lambda e: e.get("bytes", 0)
    )
    out.extend(scans[:SCANS_PER_CORPUS])
    return out


def _schemas(corpus: Path, doc_type: str) -> list[dict[str, Any]]:
    schemas = [json.loads((corpus / "schemas" / f"{doc_type}.json").read_text("utf-8"))]
    customer = CUSTOMER_SCHEMAS / f"camel.{doc_type}.json"
    if customer.is_file():
        schemas.append(json.loads(customer.read_text("utf-8"))["schema"])
    return schemas


CASES = [
    pytest.param(corpus, entry, id=f"{corpus}:{entry['id']}")
    for corpus in ("train", "dev")
    if (SHARED / corpus / "manifest.jsonl").is_file()
    for entry in _sample(SHARED / corpus)
]


@pytest.mark.skipif(not CASES, reason="the shared corpus (../shared/corpus) is not here")
@pytest.mark.parametrize(("corpus", "entry"), CASES)
def test_a_corpus_document_runs_without_an_exception(corpus: str, entry: dict[str, Any]) -> None:
    root = SHARED / corpus
    path = str(root / entry["file"])
    schemas = _schemas(root, entry["doc_type"])
    if entry["file"].endswith(".pdf"):
        # the whole pipeline (intake, classification, citations) on the cheap text PDFs
        result = extract(path, schemas[0], ExtractionOptions())
        assert set(result.data) == set(schemas[0]["properties"])
    pages = read_pages(path)  # a scan is read (OCR) once for every schema
    for schema in schemas:
        assert set(fill_schema(pages, schema).data) == set(schema["properties"])


# --------------------------------------------------------------------------- edge cases


def _all_schemas() -> list[dict[str, Any]]:
    return [
        json.loads(p.read_text("utf-8"))["schema"] for p in sorted(CUSTOMER_SCHEMAS.glob("*.json"))
    ]


def _page(*words: tuple[str, float, float], number: int = 1) -> PageContent:
    out = [Word(t, number, x, y, x + 0.01 * max(1, len(t)), y + 0.015) for t, x, y in words]
    return PageContent(number=number, width=612, height=792, words=out)


EDGE_PAGES = {
    "no words": [_page()],
    "one word": [_page(("Invoice", 0.1, 0.1))],
    "one number": [_page(("42.00", 0.5, 0.5))],
    "punctuation only": [_page((":", 0.1, 0.1), ("-", 0.2, 0.1), ("•", 0.1, 0.2))],
    "a label alone on the last line": [_page(("Total:", 0.1, 0.9))],
    "a seller label with its value on its line": [
        _page(("Seller:", 0.1, 0.05), ("Acme", 0.2, 0.05), ("GmbH", 0.26, 0.05))
    ],
    "a seller heading with nothing under it": [_page(("Verkäufer", 0.1, 0.95))],
    "a name labelled on page 2 only": [
        _page(("Rechnung", 0.1, 0.1)),
        _page(("Seller:", 0.1, 0.05), ("Acme", 0.2, 0.05), ("GmbH", 0.26, 0.05), number=2),
    ],
    "a contract sentence without names": [
        _page(*[(w, 0.05 + 0.06 * i, 0.1) for i, w in enumerate("by and between and".split())])
    ],
    "an alias without a name": [_page(("(the", 0.1, 0.1), ("“Company”)", 0.2, 0.1))],
    "an empty first page": [_page(), _page(("Total", 0.1, 0.1), ("5.00", 0.3, 0.1), number=2)],
    "a long page of capitalised noise": [
        _page(
            *[
                (w, 0.05 + 0.09 * (i % 10), 0.02 + 0.0045 * (i // 10))
                for i, w in enumerate(
                    ("ACME", "HOLDINGS", "&", "INC.", "(THE", "“COMPANY”)", "BETWEEN", "By:")[i % 8]
                    for i in range(2000)
                )
            ]
        )
    ],
    "zero-size word boxes": [
        PageContent(
            1, 612, 792, [Word("Total", 1, 0.1, 0.1, 0.1, 0.1), Word("5", 1, 0.2, 0.1, 0.2, 0.1)]
        )
    ],
}


@pytest.mark.parametrize("pages", list(EDGE_PAGES.values()), ids=list(EDGE_PAGES))
def test_degenerate_pages_fill_every_schema_without_an_exception(pages: list[PageContent]) -> None:
    for schema in _all_schemas():
        result = fill_schema(pages, schema)
        assert set(result.data) == set(schema["properties"])


def test_a_seller_value_on_its_label_line_gives_the_address_search_its_line() -> None:
    """The receipt-scan crash: a name found on its label's own line left no line for the
    address search to start under (IndexError in issuer.find_address)."""
    page = _page(
        ("Seller:", 0.1, 0.05), ("Acme", 0.2, 0.05), ("GmbH", 0.26, 0.05),
        ("12", 0.1, 0.08), ("Main", 0.14, 0.08), ("Street,", 0.2, 0.08), ("Berlin", 0.28, 0.08),
    )  # fmt: skip
    schema = {
        "type": "object",
        "properties": {"seller": {"type": "string"}, "seller_address": {"type": "string"}},
    }
    data = fill_schema([page], schema).data
    assert data["seller"] == "Acme GmbH"
    assert data["seller_address"] is None or "Main" in data["seller_address"]
