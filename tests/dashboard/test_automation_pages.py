"""The automation policy in the dashboard: set in the designer, an accepted document says so
(and a person's review replaces it), samples are marked in the queue and on the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from docgen import INVOICE_SCHEMA
from extractions.models import Document, Triage
from parsers.models import Parser
from parsers.services import create_parser
from tests.dashboard.test_parsers_pages import designer_post
from tests.extractions.test_flags import completed

pytestmark = pytest.mark.django_db


@pytest.fixture
def parser(org_a):
    return create_parser(organization=org_a.organization, name="Invoices", schema=INVOICE_SCHEMA)


def review_url(document: Document) -> str:
    return reverse("web:document-review", args=[document.extraction.public_id, document.public_id])


def test_the_designer_sets_the_policy(member_web, parser) -> None:
    url = reverse("web:parser-detail", args=[parser.public_id])
    html = member_web.get(url).content.decode()
    assert 'name="auto_accept"' in html and 'name="auto_accept_sample_percent" value="2.0"' in html
    response = member_web.post(
        url,
        designer_post("Invoices", INVOICE_SCHEMA, auto_accept="on", auto_accept_sample_percent="5"),
    )
    assert response.status_code == 302
    parser = Parser.objects.get(pk=parser.pk)
    assert parser.auto_accept is True and parser.auto_accept_sample_share == 0.05
    member_web.post(url, designer_post("Invoices", INVOICE_SCHEMA))  # unchecked: off
    parser = Parser.objects.get(pk=parser.pk)
    assert parser.auto_accept is False and parser.auto_accept_sample_share == 0.05


def test_an_accepted_document_says_so_until_a_person_reviews_it(member_web, org_a, parser) -> None:
    document = completed(org_a.organization, parser, name="a.pdf", confidence={"total": 0.99})
    Document.objects.filter(pk=document.pk).update(
        reviewed=True,
        review_source="auto",
        triage=Triage.AUTO_ACCEPTED,
        reviewed_output={"total": 1.0},
    )
    html = member_web.get(review_url(document)).content.decode()
    assert "accepted automatically" in html and 'data-testid="auto-banner"' in html
    member_web.post(review_url(document), {"action": "approve", "f:total": "2"})
    document.refresh_from_db()
    assert document.review_source == "user" and document.reviewed_by == org_a.member
    assert document.corrected_values == 1
    html = member_web.get(review_url(document)).content.decode()
    assert f"reviewed by {org_a.member.email}" in html and "auto-banner" not in html


def test_samples_are_marked(member_web, org_a, parser) -> None:
    document = completed(org_a.organization, parser, name="s.pdf", confidence={"total": 0.99})
    Document.objects.filter(pk=document.pk).update(triage=Triage.SAMPLE, review_score=-1)
    queue = member_web.get(reverse("web:review-queue")).content.decode()
    assert 'data-testid="sample-badge"' in queue and "s.pdf" in queue
    assert 'data-testid="sample-banner"' in member_web.get(review_url(document)).content.decode()
