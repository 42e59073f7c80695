"""Flagged values and the review queue: one definition (extractions.flags) — below the
parser's review threshold (else the organization's), failing a rule, required and empty."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from accounts.services import create_organization
from config.env import env_float
from docgen import INVOICE_SCHEMA, invoice_pdf
from extractions import flags
from extractions.models import Document, DocumentStatus, Extraction
from extractions.services import review_document
from parsers.services import create_parser, update_parser
from tests.extractions.helpers import run, submit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fail(field, rule="minimum", fields=None, message="too small"):
    return {
        "field": field,
        "rule": rule,
        "ok": False,
        "message": message,
        "fields": fields or [field],
    }


def test_low_confidence_failing_rules_and_empty_required_values_are_flagged() -> None:
    output = {"number": "INV-1", "vendor": {"name": None}, "net": 10.0, "tax": 2.0, "total": 13.0}
    found = flags.flagged_values(
        confidence={"number": 0.95, "net": 0.5, "tax": 0.9, "total": 0.9},
        validation=[
            {"field": "number", "rule": "pattern", "ok": True, "message": "", "fields": ["number"]},
            fail("vendor", rule="required", message="required"),
            fail(
                "total",
                rule="net_plus_tax_equals_gross",
                fields=["net", "tax", "total"],
                message="net 10.00 + tax 2.00 = 12.00, but the gross total is 13.00",
            ),
        ],
        threshold=0.8,
        output=output,
    )
    # in the output's order; the empty group where its first value is
    assert [(f.field, f.reasons) for f in found] == [
        ("vendor", ("required",)),
        ("net", ("low_confidence", "net_plus_tax_equals_gross")),
        ("tax", ("net_plus_tax_equals_gross",)),
        ("total", ("net_plus_tax_equals_gross",)),
    ]
    assert found[1].confidence == 0.5
    assert found[1].messages == (
        "Confidence 50%",
        "Net + tax = gross: net 10.00 + tax 2.00 = 12.00, but the gross total is 13.00",
    )


def test_a_value_a_person_changed_is_no_longer_low() -> None:
    initial = {"number": "INV-1", "total": 12.0}
    reviewed = {"number": "INV-1", "total": 13.0}
    found = flags.flagged_values(
        confidence={"number": 0.5, "total": 0.5},
        validation=[],
        threshold=0.8,
        output=reviewed,
        initial_output=initial,
    )
    assert [f.field for f in found] == ["number"]


def test_the_parser_threshold_wins_over_the_organization(org_a) -> None:
    organization = org_a.organization
    parser = create_parser(organization=organization, name="P", schema=INVOICE_SCHEMA)
    assert flags.review_threshold(parser=parser, organization=organization) == 0.9
    update_parser(parser=parser, review_confidence_threshold=0.95)
    assert flags.review_threshold(parser=parser, organization=organization) == 0.95
    assert flags.review_threshold(parser=None, organization=organization) == 0.9


def test_new_organizations_get_the_configured_default_threshold() -> None:
    owner = UserFactory()
    assert create_organization(name="A", owner=owner).review_confidence_threshold == 0.9
    with override_settings(PP_DEFAULT_REVIEW_CONFIDENCE_THRESHOLD=0.75):
        assert create_organization(name="B", owner=owner).review_confidence_threshold == 0.75


def test_the_default_threshold_setting_is_a_share(monkeypatch) -> None:
    monkeypatch.setenv("PP_DEFAULT_REVIEW_CONFIDENCE_THRESHOLD", "1.5")
    with pytest.raises(ImproperlyConfigured, match=r"above the maximum 1\.0"):
        env_float("PP_DEFAULT_REVIEW_CONFIDENCE_THRESHOLD", 0.8, minimum=0.0, maximum=1.0)


# --------------------------------------------------------------------------- the queue


def completed(organization, parser, *, name, confidence, rule_failures=0, reviewed=False):
    """A completed document as a finished run leaves it (no engine: the scores are the test)."""
    extraction = Extraction.objects.create(
        organization=organization,
        parser=parser,
        parser_version=parser.current_version,
        status="completed",
        file_count=1,
    )
    low = min(confidence.values()) if confidence else None
    return Document.objects.create(
        organization=organization,
        extraction=extraction,
        parser_version=parser.current_version,
        filename=name,
        status=DocumentStatus.COMPLETED,
        initial_output={"total": 1.0},
        confidence=confidence,
        min_confidence=low,
        validation=[fail("total")] * rule_failures,
        rule_failures=rule_failures,
        review_score=flags.review_score(min_confidence=low, rule_failures=rule_failures),
        reviewed=reviewed,
    )


def queued(organization) -> list[str]:
    return [d.filename for d in flags.review_queue(organization=organization)]


def test_the_queue_holds_documents_with_a_flagged_value(org_a, org_b) -> None:
    organization = org_a.organization
    parser = create_parser(organization=organization, name="P", schema=INVOICE_SCHEMA)
    completed(organization, parser, name="confident.pdf", confidence={"total": 0.95})
    completed(organization, parser, name="low.pdf", confidence={"total": 0.6})
    completed(organization, parser, name="rule.pdf", confidence={"total": 0.99}, rule_failures=1)
    completed(organization, parser, name="done.pdf", confidence={"total": 0.1}, reviewed=True)
    completed(organization, parser, name="empty.pdf", confidence={})
    other = create_parser(organization=org_b.organization, name="P", schema=INVOICE_SCHEMA)
    completed(org_b.organization, other, name="theirs.pdf", confidence={"total": 0.1})
    assert queued(organization) == ["low.pdf", "rule.pdf"]

    # The threshold is read when the queue is: the parser's, then the organization's.
    update_parser(parser=parser, review_confidence_threshold=0.5)
    assert queued(organization) == ["rule.pdf"]  # a failing rule flags whatever the threshold
    update_parser(parser=parser, review_confidence_threshold=None)
    organization.review_confidence_threshold = 0.97
    organization.save()
    assert queued(organization) == ["confident.pdf", "low.pdf", "rule.pdf"]
    assert sorted(d.filename for d in Document.objects.filter(flags.needs_review_q())) == [
        "confident.pdf",
        "low.pdf",
        "rule.pdf",
        "theirs.pdf",
    ]
    for document in Document.objects.all():
        assert flags.needs_review(document) == (
            document.filename in ("confident.pdf", "low.pdf", "rule.pdf", "theirs.pdf")
        )


def test_a_review_takes_a_document_out_of_the_queue(org_a) -> None:
    organization = org_a.organization
    parser = create_parser(organization=organization, name="P", schema=INVOICE_SCHEMA)
    document = completed(organization, parser, name="low.pdf", confidence={"total": 0.6})
    assert queued(organization) == ["low.pdf"]
    review_document(document=document, output={}, user=org_a.member)
    assert queued(organization) == []


def test_the_document_result_says_what_is_flagged(client_a, org_a) -> None:
    schema = {**INVOICE_SCHEMA, "required": ["customer"]}
    schema["properties"] = {**schema["properties"], "total": {"type": "number", "maximum": 1}}
    parser = create_parser(organization=org_a.organization, name="Invoices", schema=schema)
    pdf, expected = invoice_pdf(1, seed=5, rows_per_page=3)
    ext = submit(client_a, parser, SimpleUploadedFile("inv.pdf", pdf, "application/pdf"))
    doc_id = ext["documents"][0]["document_id"]
    assert run(doc_id) == "completed"
    url = f"/v1/extractions/{ext['extraction_id']}/documents/{doc_id}"
    body = client_a.get(url).json()
    assert body["review_threshold"] == 0.9 and body["needs_review"] is True
    by_field = {f["field"]: f for f in body["flagged"]}
    assert by_field["total"]["reasons"] == ["maximum"]
    assert by_field["total"]["messages"] == [f"Maximum: {expected['total']:g} is above 1"]
    low = {p for p, c in body["confidence"].items() if c < 0.9}
    assert {f["field"] for f in body["flagged"] if "low_confidence" in f["reasons"]} == low
    # the parser's own threshold, set through the API
    response = client_a.patch(
        f"/v1/parsers/{parser.public_id}", {"review_confidence_threshold": 0.1}, format="json"
    )
    assert response.status_code == 200 and response.json()["review_confidence_threshold"] == 0.1
    body = client_a.get(url).json()
    assert body["review_threshold"] == 0.1
    assert [f["field"] for f in body["flagged"]] == ["total"]


@pytest.mark.parametrize("value", [1.5, -0.1, "high", True])
def test_a_parser_threshold_is_a_share_or_null(client_a, value) -> None:
    response = client_a.post(
        "/v1/parsers",
        {"name": "P", "schema": INVOICE_SCHEMA, "review_confidence_threshold": value},
        format="json",
    )
    assert response.status_code == 400
    assert "review_confidence_threshold" in response.json()["error"]["details"]["fields"]
    created = client_a.post(
        "/v1/parsers",
        {"name": "P", "schema": INVOICE_SCHEMA, "review_confidence_threshold": None},
        format="json",
    )
    assert created.status_code == 201 and created.json()["review_confidence_threshold"] is None
