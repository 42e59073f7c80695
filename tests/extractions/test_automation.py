"""The automation policy per parser: documents with no flagged value are accepted (reviewed,
review_source "auto"), a share of them goes to the queue as samples; a person's review
replaces an automatic one; the straight-through rate and the error rate measured on samples."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from docgen import INVOICE_SCHEMA
from extractions import flags
from extractions.models import Document, DocumentEdit, ReviewSource, Triage
from extractions.services import review_document
from extractions.services.automation import (
    Policy,
    corrected_values,
    decide,
    is_sample,
    policy_of,
)
from extractions.web.queries import automation_stats
from parsers.services import create_parser
from tests.dashboard.conftest import member_web  # noqa: F401  (fixture)
from tests.extractions.helpers import extract_invoice

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def test_samples_are_a_stable_share_of_ids() -> None:
    ids = [f"doc_{i:05d}" for i in range(20_000)]
    picked = [i for i in ids if is_sample(i, 0.02)]
    assert 0.017 < len(picked) / len(ids) < 0.023
    assert picked == [i for i in ids if is_sample(i, 0.02)]  # the same answer every time
    assert not any(is_sample(i, 0.0) for i in ids[:500])
    assert all(is_sample(i, 1.0) for i in ids[:500])


def decision(policy: Policy, *, low=0.9, failures=0, duplicate=False, doc="doc_a"):
    return decide(
        document_public_id=doc,
        initial_output={"total": 12.0, "number": None},
        min_confidence=low,
        rule_failures=failures,
        duplicate=duplicate,
        policy=policy,
        now=NOW,
    )


def test_what_a_finished_run_does() -> None:
    on = Policy(threshold=0.8, auto_accept=True, sample_share=0.0)
    accepted = decision(on)
    assert accepted.triage == Triage.AUTO_ACCEPTED
    assert accepted.events == ("document.reviewed",)
    assert accepted.fields | {} == {
        "triage": "auto_accepted",
        "review_score": 0.9,
        "reviewed": True,
        "reviewed_output": {"total": 12.0, "number": None},
        "reviewed_at": NOW,
        "reviewed_by": None,
        "review_source": "auto",
        "value_count": 1,
        "corrected_values": None,
    }
    for flagged in (decision(on, low=0.5), decision(on, failures=1), decision(on, duplicate=True)):
        assert flagged.triage == Triage.REVIEW and flagged.events == ("document.needs_review",)
        assert flagged.fields["reviewed"] is False and flagged.fields["reviewed_output"] is None
    assert decision(on, duplicate=True).fields["review_score"] == flags.FLAGGED_SCORE
    sample = decision(Policy(threshold=0.8, auto_accept=True, sample_share=1.0))
    assert sample.triage == Triage.SAMPLE and sample.fields["review_score"] == flags.FLAGGED_SCORE
    assert sample.events == ("document.needs_review",) and not sample.fields["reviewed"]
    off = decision(Policy(threshold=0.8))
    assert off.triage == Triage.NOT_FLAGGED and off.events == () and not off.fields["reviewed"]
    # the keys never change: the outcome is one prepared UPDATE
    assert {tuple(d.fields) for d in (accepted, sample, off, decision(on, low=0.1))} == {
        tuple(accepted.fields)
    }


def test_corrected_values_count_changed_values_only() -> None:
    initial = {"a": 1, "b": "x", "c": None, "lines": [{"q": 2.0}]}
    reviewed = {"a": 2, "b": "x", "c": "filled", "lines": [{"q": 2}]}
    # a changed, c was empty (not a value that was accepted), 2.0 -> 2 is a change of type
    assert corrected_values(initial_output=initial, reviewed_output=reviewed) == 2
    assert corrected_values(initial_output=initial, reviewed_output=initial) == 0


# --------------------------------------------------------------------------- end to end


def test_a_document_with_nothing_flagged_is_accepted(client_a, org_a, auto_parser) -> None:
    document = extract_invoice(client_a, auto_parser)
    assert document.status == "completed" and document.reviewed
    assert document.review_source == ReviewSource.AUTO and document.triage == Triage.AUTO_ACCEPTED
    assert document.reviewed_output == document.initial_output and document.reviewed_by is None
    assert not DocumentEdit.objects.exists()
    assert list(flags.review_queue(organization=org_a.organization)) == []
    url = f"/v1/extractions/{document.extraction.public_id}/documents/{document.public_id}"
    body = client_a.get(url).json()
    assert (body["reviewed"], body["review_source"], body["triage"]) == (
        True,
        "auto",
        "auto_accepted",
    )
    assert body["edited"] is False and body["needs_review"] is False

    # A person can still correct it: their review replaces the automatic one.
    total = document.initial_output["total"]
    response = client_a.patch(f"{url}/review", {"output": {"total": total + 1}}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["review_source"] == "api_key" and body["edited"] is True
    assert [(e["path"], e["before"], e["after"]) for e in body["edits"]] == [
        ("total", total, total + 1)
    ]
    document.refresh_from_db()
    assert document.corrected_values == 1 and document.triage == Triage.AUTO_ACCEPTED


def test_a_flagged_document_is_not_accepted(client_a, org_a, auto_parser) -> None:
    auto_parser.review_confidence_threshold = 1.0  # every value is below it
    auto_parser.save()
    document = extract_invoice(client_a, auto_parser)
    assert not document.reviewed and document.review_source == ""
    assert document.triage == Triage.REVIEW
    assert [d.pk for d in flags.review_queue(organization=org_a.organization)] == [document.pk]


def test_the_policy_is_off_by_default(client_a, org_a) -> None:
    parser = create_parser(
        organization=org_a.organization,
        name="Invoices",
        schema=INVOICE_SCHEMA,
        review_confidence_threshold=0.0,
    )
    assert parser.auto_accept is False and parser.auto_accept_sample_share == 0.02
    document = extract_invoice(client_a, parser)
    assert not document.reviewed and document.triage == Triage.NOT_FLAGGED
    assert policy_of(parser=parser, organization=org_a.organization) == Policy(threshold=0.0)


def test_samples_go_to_the_queue_and_measure_the_error_rate(
    client_a, member_client, org_a, auto_parser
) -> None:
    auto_parser.auto_accept_sample_share = 1.0  # every would-be-accepted document is a sample
    auto_parser.save()
    sample = extract_invoice(client_a, auto_parser, seed=5)
    assert sample.triage == Triage.SAMPLE and not sample.reviewed
    assert [d.pk for d in flags.review_queue(organization=org_a.organization)] == [sample.pk]
    auto_parser.auto_accept_sample_share = 0.0
    auto_parser.save()
    accepted = extract_invoice(client_a, auto_parser, seed=6)
    assert accepted.triage == Triage.AUTO_ACCEPTED

    # A reviewer corrects one value of the sample (through a user's token).
    url = f"/v1/extractions/{sample.extraction.public_id}/documents/{sample.public_id}/review"
    response = member_client.patch(url, {"output": {"customer": "Someone Else"}}, format="json")
    assert response.status_code == 200 and response.json()["review_source"] == "user"
    (row,) = automation_stats(organization=org_a.organization, days=30)
    assert (row.completed, row.straight_through, row.auto_accepted, row.sampled) == (2, 2, 1, 1)
    assert row.samples_reviewed == 1
    assert row.sample_values == sample.value_count and row.sample_corrections == 1
    assert row.error_rate == pytest.approx(1 / sample.value_count)
    assert row.straight_through_rate == 1.0
    # documents finished before the period do not count
    Document.objects.update(finished_at=timezone.now() - dt.timedelta(days=10))
    assert automation_stats(organization=org_a.organization, days=7)[0].completed == 0


def test_support_reviews_are_named_and_auto_is_reserved(org_a, client_a, auto_parser) -> None:
    document = extract_invoice(client_a, auto_parser)
    with pytest.raises(ValueError, match="auto"):
        review_document(document=document, output={}, source=ReviewSource.AUTO)
    reviewed = review_document(document=document, output={}, source=ReviewSource.SUPPORT)
    assert reviewed.review_source == "support"


def test_the_automation_page(
    member_web,  # noqa: F811
    client_a,
    org_a,
    auto_parser,
    django_assert_max_num_queries,
) -> None:
    extract_invoice(client_a, auto_parser)
    create_parser(organization=org_a.organization, name="Unused", schema=INVOICE_SCHEMA)
    url = reverse("web:automation")
    member_web.get(url)
    with django_assert_max_num_queries(7):
        html = member_web.get(url, {"days": 7}).content.decode()
    assert "auto-accept" in html and "no reviewed sample yet" in html
    assert 'data-testid="straight-through"><strong>100.0%</strong>' in html
    assert html.count("data-parser=") == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("auto_accept", "sometimes"),
        ("auto_accept_sample_share", 2),
        ("auto_accept_sample_share", None),
    ],
)
def test_the_policy_through_the_api(client_a, field, value) -> None:
    created = client_a.post(
        "/v1/parsers", {"name": "P", "schema": INVOICE_SCHEMA, "auto_accept": True}, format="json"
    ).json()
    assert created["auto_accept"] is True and created["auto_accept_sample_share"] == 0.02
    response = client_a.patch(f"/v1/parsers/{created['id']}", {field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]["fields"]
