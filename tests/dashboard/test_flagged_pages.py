"""Flagged values in the dashboard and the admin: the review queue lists documents with their
flagged fields (a pinned number of queries however long it is), the review page marks them
and opens on the first, the progress page and the admin use the same definition, and the
designer sets a parser's own threshold."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from docgen import INVOICE_SCHEMA
from extractions.models import Document
from parsers.models import Parser
from parsers.services import create_parser
from tests.admin.conftest import support_client, support_user  # noqa: F401  (fixtures)
from tests.dashboard.test_parsers_pages import designer_post
from tests.extractions.test_flags import completed, fail

pytestmark = pytest.mark.django_db


@pytest.fixture
def parser(org_a):
    return create_parser(organization=org_a.organization, name="Invoices", schema=INVOICE_SCHEMA)


def test_the_queue_lists_flagged_fields(member_web, org_a, parser) -> None:
    organization = org_a.organization
    low = completed(organization, parser, name="low.pdf", confidence={"issuer": 0.6, "total": 0.9})
    ruled = completed(organization, parser, name="rule.pdf", confidence={"total": 0.99})
    ruled.validation = [fail("total", rule="maximum", message="1500 is above 1000")]
    ruled.rule_failures = 1
    ruled.review_score = -1
    ruled.save()
    completed(organization, parser, name="fine.pdf", confidence={"total": 0.99})
    html = member_web.get(reverse("web:review-queue")).content.decode()
    rows = dict(re.findall(r'data-document="(doc_\w+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {low.public_id, ruled.public_id}
    assert '<code title="Confidence 60%">issuer</code>' in rows[low.public_id]
    assert "<code" in rows[low.public_id] and ">total<" not in rows[low.public_id]
    assert '<code title="Maximum: 1500 is above 1000">total</code>' in rows[ruled.public_id]
    assert "Start reviewing (2)" in html


def test_the_queue_page_has_a_pinned_query_count(
    member_web, org_a, parser, django_assert_max_num_queries
) -> None:
    for i in range(30):
        completed(org_a.organization, parser, name=f"d{i}.pdf", confidence={"total": 0.5})
    member_web.get(reverse("web:review-queue"))
    with django_assert_max_num_queries(6):
        response = member_web.get(reverse("web:review-queue"))
    assert response.content.decode().count('data-testid="queue-flags"') == 30


def test_the_review_page_marks_flagged_values_and_opens_on_the_first(
    member_web, org_a, parser
) -> None:
    document = completed(
        org_a.organization, parser, name="d.pdf", confidence={"invoice_number": 0.99, "total": 0.6}
    )
    document.initial_output = {"invoice_number": "INV-1", "total": 12.0, "customer": None}
    document.save()
    url = reverse("web:document-review", args=[document.extraction.public_id, document.public_id])
    html = member_web.get(url).content.decode()
    flagged = re.findall(
        r'data-field-path="([\w.\[\]]+)" data-testid="review-field" data-flagged', html
    )
    assert flagged == ["total"]
    assert 'data-testid="flagged-count"' in html and "1 flagged" in html
    # a person's correction is theirs: no longer flagged as low confidence
    member_web.post(url, {"action": "approve", "f:total": "13", "f:invoice_number": "INV-1"})
    html = member_web.get(url).content.decode()
    assert "data-flagged" not in html


def test_progress_and_admin_use_the_same_definition(
    member_web,
    support_client,  # noqa: F811
    org_a,
    parser,
) -> None:
    ruled = completed(
        org_a.organization, parser, name="rule.pdf", confidence={"total": 0.99}, rule_failures=1
    )
    fine = completed(org_a.organization, parser, name="fine.pdf", confidence={"total": 0.99})
    progress = member_web.get(
        reverse("web:extraction-progress", args=[ruled.extraction.public_id])
    ).content.decode()
    assert "needs review · a rule fails" in progress
    assert (
        "Nothing flagged"
        in member_web.get(
            reverse("web:extraction-progress", args=[fine.extraction.public_id])
        ).content.decode()
    )
    listing = support_client.get("/admin/extractions/document/?needs_review=yes").content.decode()
    assert ruled.public_id in listing and fine.public_id not in listing
    detail = support_client.get(f"/admin/extractions/document/{ruled.pk}/change/").content.decode()
    assert "total: Minimum: too small" in detail


def test_the_designer_sets_the_parser_threshold(member_web, org_a, parser) -> None:
    url = reverse("web:parser-detail", args=[parser.public_id])
    page = member_web.get(url).content.decode()
    assert "Organization threshold: 90%" in page
    response = member_web.post(
        url, designer_post("Invoices", INVOICE_SCHEMA, review_confidence_threshold="0.9")
    )
    assert response.status_code == 302
    assert Parser.objects.get(pk=parser.pk).review_confidence_threshold == 0.9
    refused = member_web.post(
        url, designer_post("Invoices", INVOICE_SCHEMA, review_confidence_threshold="2")
    )
    assert refused.status_code == 400
    member_web.post(url, designer_post("Invoices", INVOICE_SCHEMA, review_confidence_threshold=""))
    assert Parser.objects.get(pk=parser.pk).review_confidence_threshold is None
    assert Document.objects.count() == 0
