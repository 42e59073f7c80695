"""A parser's validation rules on documents: the results after extraction (API), the soft
rules of a saved review (recorded, never blocking) next to the hard ones (400 as before)."""

from __future__ import annotations

import copy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from docgen import INVOICE_SCHEMA, invoice_pdf
from extractions.models import Document
from extractions.retention import purge_document_results
from extractions.validation import MAX_RESULTS, RuleResult, stored_results, validate_values
from parsers.services import create_parser
from tests.extractions.helpers import run, submit

pytestmark = pytest.mark.django_db

RULES = {
    "roles": {"document_date": "date", "net": "subtotal", "tax": "tax", "gross": "total"},
    "line_items": {
        "field": "lines",
        "quantity": "quantity",
        "unit_price": "unit_price",
        "amount": "amount",
        "sum_to": "net",
    },
    "date_range": {"fields": ["due_date"], "days_before": 0, "days_after": 45},
}


def invoice_schema() -> dict:
    schema = copy.deepcopy(INVOICE_SCHEMA)
    schema["x-validation"] = copy.deepcopy(RULES)
    schema["required"] = ["invoice_number", "total"]
    return schema


def results(schema, output, target="per_doc") -> list[tuple[str, str, bool]]:
    return [
        (r.field, r.rule, r.ok)
        for r in validate_values(schema=schema, output=output, target=target)
    ]


EXPECTED = {
    "issuer": "Northwind Traders",
    "invoice_number": "INV-1",
    "date": "2024-03-01",
    "due_date": "2024-03-31",
    "customer": "Umbrella Retail",
    "currency": "EUR",
    "subtotal": 165.0,
    "tax": 33.0,
    "total": 198.0,
    "lines": [
        {"description": "Bolts", "quantity": 12, "unit_price": 2.5, "amount": 30.0},
        {"description": "Wire", "quantity": 3, "unit_price": 45.0, "amount": 135.0},
    ],
}


def test_every_rule_passes_on_a_consistent_invoice() -> None:
    schema = invoice_schema()
    schema["properties"]["total"]["minimum"] = 0
    assert results(schema, EXPECTED) == [
        ("invoice_number", "required", True),
        ("date", "format", True),
        ("due_date", "format", True),
        ("total", "required", True),
        ("total", "minimum", True),
        ("total", "net_plus_tax_equals_gross", True),
        ("lines[0].amount", "quantity_times_unit_price", True),
        ("lines[1].amount", "quantity_times_unit_price", True),
        ("subtotal", "lines_sum_to_total", True),
        ("due_date", "date_within_range", True),
    ]


def test_failing_rules_name_every_value_they_compare() -> None:
    wrong = copy.deepcopy(EXPECTED)
    wrong["total"] = 200.0  # 165 + 33 = 198
    wrong["lines"][1]["amount"] = 130.0  # 3 x 45 = 135, and the lines no longer add up to 165
    wrong["due_date"] = "2024-05-01"  # 61 days after the invoice date
    wrong["invoice_number"] = "  "
    found = {
        (r.field, r.rule): r
        for r in validate_values(schema=invoice_schema(), output=wrong, target="per_doc")
        if not r.ok
    }
    assert set(found) == {
        ("invoice_number", "required"),
        ("total", "net_plus_tax_equals_gross"),
        ("lines[1].amount", "quantity_times_unit_price"),
        ("subtotal", "lines_sum_to_total"),
        ("due_date", "date_within_range"),
    }
    assert found[("total", "net_plus_tax_equals_gross")].fields == ("subtotal", "tax", "total")
    assert "198.00" in found[("total", "net_plus_tax_equals_gross")].message
    assert found[("subtotal", "lines_sum_to_total")].fields == (
        "lines[0].amount",
        "lines[1].amount",
        "subtotal",
    )
    assert "61 days after" in found[("due_date", "date_within_range")].message


def test_bounds_patterns_choices_and_missing_values() -> None:
    schema = {
        "type": "object",
        "required": ["number", "vendor"],
        "properties": {
            "number": {"type": ["string", "null"], "pattern": "^INV-[0-9]+$"},
            "kind": {"type": "string", "enum": ["invoice", "credit_note"]},
            "total": {"type": "number", "minimum": 0, "maximum": 1000},
            "vendor": {"type": "object", "properties": {"name": {"type": "string"}}},
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["amount"],
                    "properties": {"amount": {"type": "number", "minimum": 0}},
                },
            },
        },
    }
    output = {
        "number": "X-1",
        "kind": "invoice",
        "total": 1500,
        "vendor": {"name": None},
        "lines": [{"amount": -3}, {"amount": None}],
    }
    assert results(schema, output) == [
        ("number", "required", True),
        ("number", "pattern", False),
        ("kind", "enum", True),
        ("total", "minimum", True),
        ("total", "maximum", False),
        ("vendor", "required", False),  # a group with no value is empty
        ("lines[0].amount", "required", True),
        ("lines[0].amount", "minimum", False),
        ("lines[1].amount", "required", False),
    ]
    # null values have no pattern or bound to check; only "required" applies to them
    assert results(schema, {"number": None}) == [
        ("number", "required", False),
        ("vendor", "required", False),
    ]


def test_list_targets_check_each_item_with_its_index() -> None:
    schema = invoice_schema()
    page = copy.deepcopy(EXPECTED)
    page["total"] = 1.0
    found = [
        (field, ok)
        for field, rule, ok in results(schema, [EXPECTED, page], target="per_page")
        if rule == "net_plus_tax_equals_gross"
    ]
    assert found == [("[0].total", True), ("[1].total", False)]


def test_stored_results_keep_every_failure_when_capped() -> None:
    many = [RuleResult(f"f{i}", "minimum", i % 500 != 0, "", (f"f{i}",)) for i in range(3000)]
    stored = stored_results(many)
    assert len(stored) == MAX_RESULTS
    assert sum(1 for r in stored if not r["ok"]) == 6  # every failure, in order
    assert [r["field"] for r in stored][:2] == ["f0", "f1"]


# --------------------------------------------------------------------------- through the API


def _invoice_document(client, organization, schema, **pdf_kwargs):
    parser = create_parser(organization=organization, name="Invoices", schema=schema)
    pdf, expected = invoice_pdf(1, seed=5, rows_per_page=3, **pdf_kwargs)
    ext = submit(client, parser, SimpleUploadedFile("inv.pdf", pdf, "application/pdf"))
    doc_id = ext["documents"][0]["document_id"]
    assert run(doc_id) == "completed"
    return ext["extraction_id"], doc_id, expected


def test_the_document_result_lists_the_rules(client_a, org_a) -> None:
    schema = invoice_schema()
    schema["properties"]["total"]["maximum"] = 10  # the generated invoice is far above
    ext_id, doc_id, expected = _invoice_document(client_a, org_a.organization, schema)
    body = client_a.get(f"/v1/extractions/{ext_id}/documents/{doc_id}").json()
    assert body["data"]["total"] == expected["total"]
    by_rule = {(r["field"], r["rule"]): r for r in body["validation"]}
    assert by_rule[("total", "net_plus_tax_equals_gross")]["ok"] is True
    assert by_rule[("subtotal", "lines_sum_to_total")]["ok"] is True
    assert by_rule[("lines[2].amount", "quantity_times_unit_price")]["ok"] is True
    assert by_rule[("due_date", "date_within_range")]["ok"] is True
    failing = [r for r in body["validation"] if not r["ok"]]
    assert [(r["field"], r["rule"]) for r in failing] == [("total", "maximum")]
    assert failing[0]["message"] == f"{expected['total']:g} is above 10"
    assert Document.objects.get(public_id=doc_id).rule_failures == 1


def test_a_review_saves_despite_soft_rules_and_records_them(client_a, org_a) -> None:
    ext_id, doc_id, expected = _invoice_document(client_a, org_a.organization, invoice_schema())
    url = f"/v1/extractions/{ext_id}/documents/{doc_id}/review"
    # a gross that no longer balances, and a required value emptied: saved, and said so
    response = client_a.patch(
        url, {"output": {"total": expected["total"] + 1, "invoice_number": None}}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["reviewed"] is True and body["data"]["total"] == expected["total"] + 1
    failing = {(r["field"], r["rule"]) for r in body["validation"] if not r["ok"]}
    assert failing == {("invoice_number", "required"), ("total", "net_plus_tax_equals_gross")}
    document = Document.objects.get(public_id=doc_id)
    assert document.rule_failures == 2
    # recorded with the review: the document's history keeps each review's results
    recorded = document.history.order_by("-history_date").first()
    assert {(r["field"], r["rule"]) for r in recorded.validation if not r["ok"]} == failing
    # fixing it clears them
    fixed = client_a.patch(
        url, {"output": {"total": expected["total"], "invoice_number": "INV-9"}}, format="json"
    ).json()
    assert [r for r in fixed["validation"] if not r["ok"]] == []


def test_types_and_patterns_stay_hard_on_review(client_a, org_a) -> None:
    schema = invoice_schema()
    schema["properties"]["invoice_number"]["pattern"] = "^INV-[0-9]+$"
    ext_id, doc_id, _ = _invoice_document(client_a, org_a.organization, schema)
    url = f"/v1/extractions/{ext_id}/documents/{doc_id}/review"
    for output, path in (
        ({"invoice_number": "nope"}, "invoice_number"),
        ({"total": "a lot"}, "total"),
        ({"date": "01/03/2024"}, "date"),
    ):
        response = client_a.patch(url, {"output": output}, format="json")
        assert response.status_code == 400, output
        assert response.json()["error"]["details"]["errors"][0]["path"] == path
    assert Document.objects.get(public_id=doc_id).reviewed is False


def test_documents_from_before_the_rules_get_them_worked_out(client_a, org_a) -> None:
    ext_id, doc_id, _ = _invoice_document(client_a, org_a.organization, invoice_schema())
    Document.objects.filter(public_id=doc_id).update(validation=None)
    body = client_a.get(f"/v1/extractions/{ext_id}/documents/{doc_id}").json()
    assert any(r["rule"] == "net_plus_tax_equals_gross" and r["ok"] for r in body["validation"])


def test_retention_deletes_the_results_with_the_values_they_quote(client_a, org_a) -> None:
    from django.utils import timezone

    _, doc_id, _ = _invoice_document(client_a, org_a.organization, invoice_schema())
    org_a.organization.retention_hours = 1
    org_a.organization.save()
    purge_document_results(now=timezone.now() + timezone.timedelta(hours=2), limit=10)
    assert Document.objects.get(public_id=doc_id).validation is None
