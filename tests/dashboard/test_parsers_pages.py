"""Parsers list, schema designer (save, validation at the field, suggest, try it), versions
and classifiers — through the pages, checking what the services stored."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing.models import CreditLedgerEntry
from billing.services import get_balance
from docgen import LINE_ITEM_INVOICE_SCHEMA, fake_exe, line_item_invoice_pdf
from extractions.models import Document, Extraction, StoredFile
from parsers.models import Classifier, Parser
from parsers.services import create_parser

pytestmark = pytest.mark.django_db


def designer_post(name: str, schema: dict | None, **extra) -> dict:
    return {
        "name": name,
        "description": "",
        "extraction_target": "per_doc",
        "default_pages": "",
        "instructions": "",
        "schema": json.dumps(schema) if schema is not None else "",
        **extra,
    }


def state_of(response) -> dict:
    html = response.content.decode()
    raw = re.search(
        r'<script id="designer-state" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(raw.group(1))


def test_empty_list_says_what_to_do_first(member_web) -> None:
    page = member_web.get(reverse("web:parsers"))
    assert page.status_code == 200 and b"Design your first parser" in page.content


def test_create_parser_publishes_version_one(member_web, org_a) -> None:
    response = member_web.post(
        reverse("web:parser-new"), designer_post("Invoices", LINE_ITEM_INVOICE_SCHEMA)
    )
    assert response.status_code == 302
    parser = Parser.objects.get(organization=org_a.organization, name="Invoices")
    assert parser.current_version.number == 1
    assert parser.current_version.schema == LINE_ITEM_INVOICE_SCHEMA
    assert parser.current_version.created_by == org_a.member
    assert response["Location"] == reverse("web:parser-detail", args=[parser.public_id])
    listing = member_web.get(reverse("web:parsers"))
    assert parser.public_id.encode() in listing.content and b"v1" in listing.content
    designer = member_web.get(response["Location"])
    assert state_of(designer)["schema"] == LINE_ITEM_INVOICE_SCHEMA


def test_the_designer_offers_no_premium_tier(member_web, org_a) -> None:
    """Premium charged 3 credits a page for standard's output: not offered until the model
    tier exists; a premium choice posted anyway is ignored (every page costs 1 credit)."""
    page = member_web.get(reverse("web:parser-new")).content.decode()
    assert "premium" not in page.lower() and 'name="tier"' not in page
    member_web.post(
        reverse("web:parser-new"),
        designer_post("Invoices", LINE_ITEM_INVOICE_SCHEMA, tier="premium"),
    )
    assert Parser.objects.get(organization=org_a.organization, name="Invoices").tier == "standard"


def test_parser_without_fields_is_not_configured(member_web, org_a) -> None:
    member_web.post(
        reverse("web:parser-new"),
        designer_post("Draft", {"type": "object", "properties": {}, "required": []}),
    )
    parser = Parser.objects.get(organization=org_a.organization, name="Draft")
    assert parser.current_version is None
    assert b"not configured" in member_web.get(reverse("web:parsers")).content


def test_invalid_schema_is_refused_with_errors_at_their_path(member_web, org_a) -> None:
    bad = {
        "type": "object",
        "properties": {
            "lines": {
                "type": "array",
                "items": {"type": "object", "properties": {"amount": {"type": "float"}}},
            }
        },
    }
    response = member_web.post(reverse("web:parser-new"), designer_post("Broken", bad))
    assert response.status_code == 400
    assert not Parser.objects.filter(name="Broken").exists()
    errors = state_of(response)["errors"]
    assert errors[0]["path"] == "properties.lines.items.properties.amount.type"
    assert "number" in errors[0]["message"]
    # What the user typed is kept.
    assert state_of(response)["schema"] == bad


def test_validate_endpoint_uses_the_shared_validation(member_web) -> None:
    response = member_web.post(
        reverse("web:schema-validate"),
        json.dumps({"schema": {"type": "object", "properties": {"a b": {"type": "string"}}}}),
        content_type="application/json",
    )
    body = response.json()
    assert body["valid"] is False and body["errors"][0]["path"].startswith("properties.a b")
    ok = member_web.post(
        reverse("web:schema-validate"),
        json.dumps({"schema": LINE_ITEM_INVOICE_SCHEMA}),
        content_type="application/json",
    )
    assert ok.json() == {"valid": True, "errors": []}


def test_edit_publishes_a_new_version_and_history_shows_the_diff(member_web, org_a) -> None:
    parser = create_parser(
        organization=org_a.organization, name="Invoices", schema=LINE_ITEM_INVOICE_SCHEMA
    )
    changed = json.loads(json.dumps(LINE_ITEM_INVOICE_SCHEMA))
    changed["properties"]["po_number"] = {"type": "string", "description": "Purchase order"}
    del changed["properties"]["invoice_date"]
    response = member_web.post(
        reverse("web:parser-detail", args=[parser.public_id]),
        designer_post("Supplier invoices", changed),
    )
    assert response.status_code == 302
    parser.refresh_from_db()
    assert parser.name == "Supplier invoices" and parser.current_version.number == 2
    # Saving the same schema again publishes nothing.
    member_web.post(
        reverse("web:parser-detail", args=[parser.public_id]),
        designer_post("Supplier invoices", changed),
    )
    parser.refresh_from_db()
    assert parser.current_version.number == 2
    history = member_web.get(reverse("web:parser-versions", args=[parser.public_id]))
    html = history.content.decode()
    assert "Changes from v1 to v2" in html
    assert re.search(r"added</span> <code>po_number</code>", html)
    assert re.search(r"removed</span> <code>invoice_date</code>", html)
    assert 'class="add">+' in html and 'class="del">-' in html


def test_parsers_of_other_organizations_are_404(outsider_web, org_a) -> None:
    parser = create_parser(
        organization=org_a.organization, name="Secret", schema=LINE_ITEM_INVOICE_SCHEMA
    )
    assert (
        outsider_web.get(reverse("web:parser-detail", args=[parser.public_id])).status_code == 404
    )
    assert (
        outsider_web.get(reverse("web:parser-versions", args=[parser.public_id])).status_code == 404
    )
    response = outsider_web.post(
        reverse("web:parser-detail", args=[parser.public_id]),
        designer_post("Mine", LINE_ITEM_INVOICE_SCHEMA),
    )
    assert response.status_code == 404
    assert (
        outsider_web.post(reverse("web:parser-delete", args=[parser.public_id])).status_code == 404
    )
    parser.refresh_from_db()
    assert parser.name == "Secret" and parser.archived_at is None
    assert b"Secret" not in outsider_web.get(reverse("web:parsers")).content


def test_delete_parser(member_web, org_a) -> None:
    parser = create_parser(
        organization=org_a.organization, name="Old", schema=LINE_ITEM_INVOICE_SCHEMA
    )
    member_web.post(reverse("web:parser-delete", args=[parser.public_id]))
    assert not Parser.objects.filter(pk=parser.pk).exists()


def test_try_it_runs_the_unsaved_schema_charges_and_stores_nothing(member_web, org_a) -> None:
    before = get_balance(organization=org_a.organization)
    response = member_web.post(
        reverse("web:schema-try"),
        {
            "file": SimpleUploadedFile(
                "sample.pdf", line_item_invoice_pdf(), content_type="application/pdf"
            ),
            "schema": json.dumps(LINE_ITEM_INVOICE_SCHEMA),
            "extraction_target": "per_doc",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "INV-2024-0042" in html and "225" in html
    assert 'class="box' in html and 'data-path="invoice_number"' in html
    assert "data:image/png;base64," in html
    assert get_balance(organization=org_a.organization) == before - 1
    assert (
        CreditLedgerEntry.objects.filter(organization=org_a.organization, kind="charge").count()
        == 1
    )
    assert not Extraction.objects.exists() and not Document.objects.exists()
    assert not StoredFile.objects.exists()


def test_try_it_names_an_unsupported_file_and_refunds_nothing_taken(member_web, org_a) -> None:
    before = get_balance(organization=org_a.organization)
    response = member_web.post(
        reverse("web:schema-try"),
        {
            "file": SimpleUploadedFile("virus.exe", fake_exe()),
            "schema": json.dumps(LINE_ITEM_INVOICE_SCHEMA),
        },
    )
    assert response.status_code == 400
    assert b"virus.exe" in response.content and b"UNSUPPORTED_FILE_TYPE" in response.content
    assert get_balance(organization=org_a.organization) == before


def test_try_it_without_credits_links_to_billing(member_web, org_a) -> None:
    from billing.services import adjust_credits

    adjust_credits(
        organization=org_a.organization,
        delta=-get_balance(organization=org_a.organization),
        reason="test",
        staff_user=None,
    )
    response = member_web.post(
        reverse("web:schema-try"),
        {
            "file": SimpleUploadedFile(
                "sample.pdf", line_item_invoice_pdf(), content_type="application/pdf"
            ),
            "schema": json.dumps(LINE_ITEM_INVOICE_SCHEMA),
        },
    )
    assert response.status_code == 402
    assert (
        b"INSUFFICIENT_CREDITS" in response.content
        and reverse("web:billing").encode() in response.content
    )


def test_suggest_fields_from_a_sample(member_web, org_a) -> None:
    before = get_balance(organization=org_a.organization)
    response = member_web.post(
        reverse("web:schema-suggest"),
        {
            "file": SimpleUploadedFile(
                "sample.pdf", line_item_invoice_pdf(), content_type="application/pdf"
            )
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["credits_used"] == 1
    assert body["schema"]["type"] == "object" and body["schema"]["properties"]
    names = " ".join(body["schema"]["properties"])
    assert "invoice" in names or "number" in names
    assert get_balance(organization=org_a.organization) == before - 1


def test_classifier_routes_labels_to_parsers(member_web, outsider_web, org_a) -> None:
    parser = create_parser(
        organization=org_a.organization, name="Invoices", schema=LINE_ITEM_INVOICE_SCHEMA
    )
    page = member_web.get(reverse("web:classifier-new"))
    assert b"Invoices" in page.content
    bad = member_web.post(
        reverse("web:classifier-new"),
        {
            "name": "Inbox",
            "description": "",
            "threshold": "0.2",
            "label_name": ["invoice", "invoice"],
            "label_description": ["", ""],
            "label_keywords": ["", ""],
            "label_parser": [parser.public_id, ""],
        },
    )
    assert bad.status_code == 400 and b"Duplicate label name" in bad.content
    assert not Classifier.objects.exists()
    response = member_web.post(
        reverse("web:classifier-new"),
        {
            "name": "Inbox",
            "description": "Mixed mail",
            "threshold": "0.3",
            "label_name": ["invoice", "receipt", ""],
            "label_description": ["A bill", "Proof of payment", ""],
            "label_keywords": ["invoice, amount due", "receipt, paid", ""],
            "label_parser": [parser.public_id, "", ""],
        },
    )
    assert response.status_code == 302
    classifier = Classifier.objects.get(organization=org_a.organization)
    labels = list(classifier.labels.order_by("position"))
    assert [label.name for label in labels] == ["invoice", "receipt"]
    assert labels[0].parser == parser and labels[0].keywords == ["invoice", "amount due"]
    assert labels[1].parser is None
    assert (
        outsider_web.get(reverse("web:classifier-detail", args=[classifier.public_id])).status_code
        == 404
    )
    listing = member_web.get(reverse("web:classifiers"))
    assert b"Inbox" in listing.content and b"invoice" in listing.content
