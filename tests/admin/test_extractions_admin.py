"""Support actions on extractions and documents through the admin's own views."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from billing.models import CreditLedgerEntry
from billing.services import charge_credits, get_balance
from extractions.models import Document, DocumentEdit, DocumentStatus, Extraction
from parsers.models import Parser, ParserVersion

pytestmark = pytest.mark.django_db

SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}}}


def _extraction(tenant, *, documents: int = 1, status: str = DocumentStatus.FAILED) -> Extraction:
    organization = tenant.organization
    parser = Parser.objects.create(organization=organization, name="Receipts")
    version = ParserVersion.objects.create(parser=parser, number=1, schema=SCHEMA)
    parser.current_version = version
    parser.save(update_fields=["current_version"])
    extraction = Extraction.objects.create(
        organization=organization,
        parser=parser,
        parser_version=version,
        file_count=documents,
        page_count=2 * documents,
        credits_used=2 * documents,
    )
    for i in range(documents):
        Document.objects.create(
            organization=organization,
            extraction=extraction,
            parser_version=version,
            position=i,
            filename=f"r{i}.pdf",
            page_count=2,
            pages_selected=[1, 2],
            credits_used=2,
            status=status,
            error_code="extraction_failed" if status == DocumentStatus.FAILED else "",
            initial_output={"total": 12.5},
            confidence={"total": 0.9},
        )
    charge_credits(
        organization=organization,
        credits=2 * documents,
        cause_key=f"charge:{extraction.public_id}",
        extraction=extraction,
    )
    return extraction


def test_refund_happens_once(support_client, support_user, org_a):
    extraction = _extraction(org_a)
    document = extraction.documents.get()
    balance = get_balance(organization=org_a.organization)
    for _ in range(2):
        support_client.post(
            "/admin/extractions/document/",
            {
                "action": "refund",
                ACTION_CHECKBOX_NAME: [document.pk],
                "apply": "1",
                "reason": "Bad scan",
            },
        )
    refunds = CreditLedgerEntry.objects.filter(document=document, kind="refund")
    assert refunds.count() == 1
    assert (refunds.get().delta, refunds.get().staff_user) == (2, support_user)
    assert get_balance(organization=org_a.organization) == balance + 2


def test_refund_requires_a_reason(support_client, org_a):
    document = _extraction(org_a).documents.get()
    response = support_client.post(
        "/admin/extractions/document/",
        {"action": "refund", ACTION_CHECKBOX_NAME: [document.pk], "apply": "1", "reason": ""},
    )
    assert response.status_code == 200
    assert not CreditLedgerEntry.objects.filter(kind="refund").exists()


def test_rerun_charges_once(support_client, org_a):
    document = _extraction(org_a).documents.get()
    balance = get_balance(organization=org_a.organization)
    for _ in range(2):  # the second attempt finds it queued: not re-runnable, no charge
        support_client.post(
            "/admin/extractions/document/", {"action": "rerun", ACTION_CHECKBOX_NAME: [document.pk]}
        )
    document.refresh_from_db()
    assert document.status in (
        DocumentStatus.QUEUED,
        DocumentStatus.PROCESSING,
        DocumentStatus.COMPLETED,
    )
    charges = CreditLedgerEntry.objects.filter(document=document, kind="charge")
    assert charges.count() == 1
    assert charges.get().cause_key == f"rerun:{document.public_id}:1"
    assert get_balance(organization=org_a.organization) == balance - 2


def test_cancel_refunds_queued_documents(support_client, org_a):
    extraction = _extraction(org_a, documents=2, status=DocumentStatus.QUEUED)
    balance = get_balance(organization=org_a.organization)
    support_client.post(
        "/admin/extractions/extraction/",
        {"action": "cancel", ACTION_CHECKBOX_NAME: [extraction.pk]},
    )
    assert set(extraction.documents.values_list("status", flat=True)) == {DocumentStatus.CANCELLED}
    assert get_balance(organization=org_a.organization) == balance + 4


def test_document_page_shows_result_and_edits_read_only(support_client, org_a):
    document = _extraction(org_a, status=DocumentStatus.COMPLETED).documents.get()
    DocumentEdit.objects.create(
        organization=org_a.organization,
        document=document,
        path="total",
        before=12.5,
        after=13.0,
        user=org_a.member,
    )
    page = support_client.get(f"/admin/extractions/document/{document.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "&quot;total&quot;: 12.5" in body
    assert org_a.member.email in body  # the edit inline: who
    history = support_client.get(f"/admin/extractions/document/{document.pk}/history/")
    assert history.status_code == 200


def test_support_cannot_delete_documents(support_client, org_a):
    document = _extraction(org_a).documents.get()
    response = support_client.post(
        f"/admin/extractions/document/{document.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()


@pytest.mark.parametrize(
    ("url", "max_queries"),
    [("/admin/extractions/document/", 14), ("/admin/extractions/extraction/", 12)],
)
def test_changelists_with_50_rows_have_pinned_query_counts(
    support_client, org_a, django_assert_max_num_queries, url, max_queries
):
    _extraction(org_a, documents=50)
    for _ in range(49):
        Extraction.objects.create(organization=org_a.organization)
    support_client.get(url)
    with django_assert_max_num_queries(max_queries):
        response = support_client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"action-select") >= 50


def test_every_model_has_a_proper_plural_name(superuser_client):
    """The admin listed "Webhook deliverys": Django adds an "s" unless told otherwise."""
    import re

    from django.apps import apps

    ours = ("accounts", "billing", "extractions", "parsers")
    wrong = [
        f"{model._meta.label}: {model._meta.verbose_name_plural}"
        for model in apps.get_models()
        if model._meta.app_label in ours
        and re.search(r"[^aeiou]ys$|(?:s|x|ch|sh)s$", str(model._meta.verbose_name_plural))
    ]
    assert wrong == []
    index = superuser_client.get("/admin/").content.decode()
    assert "Webhook deliveries" in index and "deliverys" not in index
