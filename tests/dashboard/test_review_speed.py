"""Review at speed, on the server side: approving a document of the review queue opens the
next one even when it was not opened from the queue; dates are text as stored (ISO), never a
date input the browser shows in its locale; the page lists its shortcuts and its counts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from extractions.models import Document
from tests.dashboard.test_extract_review import extract, parser, stage  # noqa: F401
from tests.worker import eager_celery  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def review_url(document: Document) -> str:
    return reverse("web:document-review", args=[document.extraction.public_id, document.public_id])


@pytest.fixture
def two_in_queue(member_web, org_a, parser, eager_celery):  # noqa: F811
    for name in ("first.pdf", "second.pdf"):
        extract(member_web, parser, [stage(member_web, name=name).json()["file_id"]])
    # Every value is below 1: both documents need a person, whatever the calibrated engine says.
    org_a.organization.review_confidence_threshold = 1.0
    org_a.organization.save()
    return tuple(Document.objects.order_by("created_at", "id"))


def test_approving_a_queued_document_opens_the_next_one(member_web, two_in_queue) -> None:
    first, second = two_in_queue
    page = member_web.get(review_url(first)).content.decode()
    assert re.search(r'data-testid="approve-review"[^>]*>Approve and next<', page)
    approved = member_web.post(review_url(first), {"action": "mark"})
    assert approved["Location"] == review_url(second) + "?queue=1"
    # The next one offers a way back to the one just approved.
    upcoming = member_web.get(approved["Location"]).content.decode()
    assert re.search(
        rf'href="{re.escape(review_url(first))}"[^>]*data-testid="back-to-approved"', upcoming
    )
    # The last one: nothing left to open, so its own page shows it reviewed.
    last = member_web.get(review_url(second)).content.decode()
    assert re.search(r'data-testid="approve-review"[^>]*>Approve<', last)
    approved = member_web.post(review_url(second), {"action": "mark"})
    assert approved["Location"] == review_url(second)
    second.refresh_from_db()
    assert second.reviewed


def test_a_reviewed_document_does_not_jump_to_the_queue(member_web, two_in_queue) -> None:
    first, _ = two_in_queue
    member_web.post(review_url(first), {"action": "mark"})
    # Correcting an already reviewed document keeps you on it.
    again = member_web.post(review_url(first), {"action": "mark"})
    assert again["Location"] == review_url(first)


def test_dates_are_iso_text_and_the_keys_are_listed(member_web, two_in_queue) -> None:
    first, _ = two_in_queue
    html = member_web.get(review_url(first)).content.decode()
    assert 'type="date"' not in html
    date = re.search(r'<input id="f:invoice_date"[^>]*>', html).group(0)
    assert 'type="text"' in date and 'placeholder="YYYY-MM-DD"' in date
    assert f'value="{first.output["invoice_date"]}"' in date
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first.output["invoice_date"])
    shortcuts = re.search(r'data-testid="review-shortcuts">(.*?)</div>', html, re.S).group(1)
    for key in ("Enter", "Shift", "Alt", "Ctrl", "Z", "fit width", "rotate"):
        assert key in shortcuts
    low = re.search(r'data-testid="low-count"[^>]*>\((\d+) below 100%\)', html)
    assert low and int(low.group(1)) == sum(
        1 for value in first.confidence.values() if value is not None and value < 1.0
    )
