"""Parser templates: each a valid schema a parser can be created with, offered by the API and
the "New parser" page, and filled by the engine on documents of its kind — the corpus's
(invoice, receipt, contract; skipped without ../shared) or generated ones (purchase order,
bank statement, ID card)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from docgen.business import bank_statement_pdf, id_card_pdf, purchase_order_pdf
from parsers.models import Parser
from parsers.schema import validate_schema
from parsers.templates_catalog import TEMPLATE_IDS, list_templates, template_schema
from tests.dashboard.conftest import web_client_for

CORPUS_DEV = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "dev"
# The evaluation's shared OCR cache folder (evaluate --cache: the lines OCR read from the
# scanned receipts, by page image); a run without it reads the pages (slower, same answers).
OCR_CACHE = os.environ.get("PP_OCR_CACHE", "/work/cache/ocr-lines")

# Template field -> corpus field, for scoring the engine's answers with the corpus's rules.
CORPUS_FIELDS: dict[str, dict[str, Any]] = {
    "invoice": {
        "seller_name": "issuer",
        "invoice_number": "invoice_number",
        "issue_date": "date",
        "due_date": "date_due",
        "total": "amount",
        "subtotal": "amount_untaxed",
        "tax_amount": "amount_tax",
        "currency": "currency",
        "line_items": [
            "lines",
            {
                "description": "description",
                "quantity": "quantity",
                "unit_price": "unit_price",
                "amount": "amount",
            },
        ],
    },
    "receipt": {
        "merchant_name": "company",
        "merchant_address": "address",
        "date": "date",
        "total": "total",
    },
    "contract": {
        "parties": "parties",
        "effective_date": "effective_date",
        "term": "term",
        "governing_law": "jurisdiction",
    },
}


def test_six_templates_each_a_valid_schema_with_named_fields() -> None:
    templates = list_templates()
    assert [t.template_id for t in templates] == list(TEMPLATE_IDS)
    assert set(TEMPLATE_IDS) == {
        "invoice",
        "receipt",
        "purchase_order",
        "bank_statement",
        "contract",
        "id_card",
    }
    for template in templates:
        assert validate_schema(template.schema) == [], template.template_id
        properties = template.schema["properties"]
        assert len(properties) >= 5
        for name, spec in properties.items():
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name)
            assert spec.get("description"), f"{template.template_id}.{name} says what it is"
    # a copy each time: a parser owns its schema
    schema = template_schema("invoice")
    schema["properties"].pop("total")
    assert "total" in template_schema("invoice")["properties"]


@pytest.mark.django_db
def test_the_api_lists_the_templates_and_a_parser_is_created_from_one(client_a) -> None:
    response = client_a.get("/v1/parser-templates")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [t["template_id"] for t in data] == list(TEMPLATE_IDS)
    receipt = next(t for t in data if t["template_id"] == "receipt")
    assert receipt["field_count"] == len(receipt["schema"]["properties"])
    created = client_a.post(
        "/v1/parsers",
        {"name": "My receipts", "schema": receipt["schema"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    parser = Parser.objects.get(public_id=created.json()["id"])
    assert parser.current_version.schema == receipt["schema"]


@pytest.mark.django_db
def test_new_parser_page_offers_templates_and_prefills_one(org_a) -> None:
    web = web_client_for(org_a.owner, org_a.organization)
    page = web.get("/parsers/new/").content.decode()
    for template_id in TEMPLATE_IDS:
        assert f'href="?template={template_id}"' in page
    page = web.get("/parsers/new/?template=bank_statement")
    assert page.status_code == 200
    state = page.context["designer_state"]
    assert state["schema"] == template_schema("bank_statement")
    assert page.context["form"].initial["name"] == "Bank statement"
    assert web.get("/parsers/new/?template=nope").status_code == 404
    # saved as any schema: a parser of its own
    saved = web.post(
        "/parsers/new/",
        {
            "name": "Statements",
            "extraction_target": "per_doc",
            "schema": page.context["form"].initial["schema"],
        },
    )
    assert saved.status_code == 302
    parser = Parser.objects.get(organization=org_a.organization, name="Statements")
    assert parser.current_version.schema == template_schema("bank_statement")


# --------------------------------------------------------------------------- the engine


def _corpus_scores(doc_type: str) -> tuple[dict[str, float], int]:
    from extractions.engine.evaluation import harness
    from extractions.engine.evaluation.schema_sets import SchemaSet

    templates = SchemaSet(
        "templates", {doc_type: (template_schema(doc_type), CORPUS_FIELDS[doc_type])}
    )
    report = harness.run_corpus(
        CORPUS_DEV,
        doc_type=doc_type,
        cache_dir=OCR_CACHE if Path(OCR_CACHE).is_dir() else None,
        schema_set=templates,
    )
    assert not [d.error for d in report.documents if d.error]
    return {f.field: f.scores["fuzzy"] for f in report.fields}, len(report.documents)


@pytest.mark.slow  # OCR of the scanned receipts, unless the evaluation's page cache has them
@pytest.mark.skipif(not CORPUS_DEV.is_dir(), reason="../shared/corpus/dev is not here")
@pytest.mark.parametrize("doc_type", ["invoice", "receipt", "contract"])
def test_templates_fill_the_corpus_documents_of_their_kind(doc_type: str) -> None:
    scores, documents = _corpus_scores(doc_type)
    assert documents >= 5
    # every field the corpus labels is asked for by the template, under the template's name
    mapped = {v[0] if isinstance(v, list) else v for v in CORPUS_FIELDS[doc_type].values()}
    assert set(scores) <= mapped
    mean = sum(scores.values()) / len(scores)
    assert mean >= 0.8, scores
    assert min(scores.values()) >= 0.6, scores


def _right(expected: Any, got: Any) -> bool:
    if isinstance(expected, float):
        return isinstance(got, int | float) and abs(got - expected) < 0.005
    if isinstance(expected, str) and isinstance(got, str):
        return re.sub(r"\s", "", got).casefold() == re.sub(r"\s", "", expected).casefold()
    return got == expected


GENERATED = {
    "purchase_order": (purchase_order_pdf, "line_items"),
    "bank_statement": (bank_statement_pdf, "transactions"),
    "id_card": (id_card_pdf, None),
}


@pytest.mark.parametrize("template_id", list(GENERATED))
def test_templates_fill_generated_documents_of_their_kind(template_id: str) -> None:
    from extractions.engine import ExtractionOptions, extract

    generate, rows = GENERATED[template_id]
    schema = template_schema(template_id)
    right = asked = 0
    for seed in (1, 2, 3):
        pdf, expected = generate(seed)
        data = extract(pdf, schema, ExtractionOptions()).data
        assert set(data) == set(schema["properties"])
        for name, value in expected.items():
            if name == rows:
                continue
            asked += 1
            right += _right(value, data.get(name))
        if rows:
            got = data.get(rows) or []
            assert len(got) == len(expected[rows])
            cells = [(name, row) for row in expected[rows] for name in row]
            found = sum(
                _right(row[name], g.get(name))
                for row, g in zip(expected[rows], got, strict=True)
                for name in row
            )
            assert found / len(cells) >= 0.9, (template_id, seed, got)
    assert right / asked >= 0.8, (template_id, right, asked)
