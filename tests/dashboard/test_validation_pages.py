"""Validation rules in the dashboard: the designer saves them (and says where a rule is
wrong), the review page shows each rule's result at its field, saving with a failing rule
works and says so."""

from __future__ import annotations

import copy
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from docgen import LINE_ITEM_INVOICE_SCHEMA, line_item_invoice_pdf
from extractions.models import Document
from parsers.models import Parser
from parsers.services import create_parser
from tests.conftest import api_client_for_key
from tests.dashboard.test_parsers_pages import designer_post, state_of
from tests.extractions.helpers import submit
from tests.worker import eager_celery  # noqa: F401  (fixture)

RULED = copy.deepcopy(LINE_ITEM_INVOICE_SCHEMA)
RULED["properties"]["total"]["minimum"] = 500
RULED["x-validation"] = {
    "roles": {"gross": "total"},
    "line_items": {
        "field": "line_items",
        "quantity": "quantity",
        "unit_price": "unit_price",
        "amount": "amount",
        "sum_to": "gross",
    },
}


@pytest.mark.django_db
def test_the_designer_saves_rules_and_shows_their_errors(member_web, org_a) -> None:
    page = member_web.get(reverse("web:parser-new"))
    html = page.content.decode()
    assert "js/designer_rules.js" in html and 'data-testid="checks-panel"' in html
    saved = member_web.post(reverse("web:parser-new"), designer_post("Invoices", RULED))
    assert saved.status_code == 302
    parser = Parser.objects.get(organization=org_a.organization)
    assert parser.current_version.schema["x-validation"] == RULED["x-validation"]
    assert state_of(member_web.get(saved["Location"]))["schema"] == RULED

    broken = copy.deepcopy(RULED)
    broken["x-validation"]["roles"]["gross"] = "grand_total"
    refused = member_web.post(saved["Location"], designer_post("Invoices", broken))
    assert refused.status_code == 400
    assert state_of(refused)["errors"] == [
        {
            "path": "x-validation.roles.gross",
            "message": 'No field "grand_total" (a list\'s columns are named under "line_items").',
        }
    ]
    assert Parser.objects.get(pk=parser.pk).current_version.number == 1


@pytest.fixture
def ruled_document(org_a, eager_celery):  # noqa: F811
    parser = create_parser(organization=org_a.organization, name="Invoices", schema=RULED)
    submit(
        api_client_for_key(org_a.api_key_secret),
        parser,
        SimpleUploadedFile("inv.pdf", line_item_invoice_pdf(), "application/pdf"),
    )
    document = Document.objects.get()
    assert document.status == "completed"
    return document


def review_url(document: Document) -> str:
    return reverse("web:document-review", args=[document.extraction.public_id, document.public_id])


@pytest.mark.django_db(transaction=True)
def test_the_review_page_shows_each_rule_at_its_field(member_web, ruled_document) -> None:
    html = member_web.get(review_url(ruled_document)).content.decode()
    total = re.search(r'data-field-path="total".*?</div>\s*</div>', html, re.S).group(0)
    assert "rv-field fails" in html
    assert "Minimum: 225 is below 500" in total
    assert 'data-testid="failed-checks">1 failing<' in html
    assert "5 passing" in html and "Line amounts add up to the total" in html


@pytest.mark.django_db(transaction=True)
def test_saving_with_a_failing_rule_is_allowed_and_said(member_web, ruled_document) -> None:
    url = review_url(ruled_document)
    post = {
        "action": "approve",
        "f:invoice_number": "INV-2024-0042",
        "f:invoice_date": "2026-03-14",
        "f:total": "226",  # still under 500, and no longer the sum of the lines
    }
    for i, (description, quantity, price, amount) in enumerate(
        [
            ("Steel bolts M8", 12, 2.5, 30),
            ("Copper wire 2mm", 3, 45, 135),
            ("Safety gloves", 10, 6, 60),
        ]
    ):
        post |= {
            f"f:line_items[{i}].description": description,
            f"f:line_items[{i}].quantity": str(quantity),
            f"f:line_items[{i}].unit_price": str(price),
            f"f:line_items[{i}].amount": str(amount),
        }
    response = member_web.post(url, post, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 validation rules still fail on the saved values" in html
    ruled_document.refresh_from_db()
    assert ruled_document.reviewed and ruled_document.output["total"] == 226
    failing = {(r["field"], r["rule"]) for r in ruled_document.validation if not r["ok"]}
    assert failing == {("total", "minimum"), ("total", "lines_sum_to_total")}
    # a value of the wrong type is still refused at its field
    refused = member_web.post(url, {**post, "f:total": "lots"})
    assert refused.status_code == 400 and "Enter a number" in refused.content.decode()


@pytest.mark.django_db(transaction=True)
def test_api_results_match_what_the_page_shows(client_a, ruled_document) -> None:
    body = client_a.get(
        f"/v1/extractions/{ruled_document.extraction.public_id}/documents/{ruled_document.public_id}"
    ).json()
    assert [(r["field"], r["rule"]) for r in body["validation"] if not r["ok"]] == [
        ("total", "minimum")
    ]
    assert json.dumps(body["validation"]).count('"ok": true') == 5
