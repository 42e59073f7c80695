"""Support's tools on the organization and document admin pages (issue #18): balance, ledger,
recent extractions, members and keys; grant/adjust credits with a reason; download the
original; re-run a completed document (another version, charged or free); "view as customer"
read-only; every action in the audit log."""

from __future__ import annotations

import io
import time

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client

from billing.models import CreditLedgerEntry
from billing.services import get_balance
from extractions import storage
from extractions.models import Document, DocumentStatus, StoredFile
from parsers.models import ParserVersion
from support.models import SupportAction
from support.view_as import SESSION_KEY
from tests.admin.test_support_review import SCHEMA, completed_document
from tests.factories import UserFactory
from tests.media import _media_in_tmp  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client(db) -> Client:
    """Staff who may view everything of the product, and act on nothing."""
    user = UserFactory(email="viewer@perfectparser.test", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.force_login(user)
    return client


def org_url(tenant, suffix: str = "change/") -> str:
    return f"/admin/accounts/organization/{tenant.organization.pk}/{suffix}"


def stored_document(tenant, data: bytes = b"%PDF-1.4 original bytes") -> Document:
    document = completed_document(tenant)
    key = f"orgs/{tenant.organization.public_id}/files/test.pdf"
    storage.save(key, io.BytesIO(data))
    stored = StoredFile.objects.create(
        organization=tenant.organization,
        storage_key=key,
        filename="invoice.pdf",
        size=len(data),
        media_type="application/pdf",
    )
    Document.objects.filter(pk=document.pk).update(
        stored_file=stored, media_type="application/pdf", size=len(data), credits_used=1
    )
    document.refresh_from_db()
    return document


# --------------------------------------------------------------------------- organization page


def test_organization_page_shows_balance_ledger_extractions_members_and_keys(support_client, org_a):
    document = completed_document(org_a)
    body = support_client.get(org_url(org_a)).content.decode()
    assert str(get_balance(organization=org_a.organization)) in body
    assert "Opening" in body or "grant" in body.lower()  # the opening credits' ledger row
    assert document.extraction.public_id in body
    assert org_a.owner.email in body and org_a.member.email in body
    assert org_a.api_key.prefix in body
    assert 'data-testid="credits-form"' in body and 'data-testid="view-as-form"' in body


def test_grant_and_adjust_from_the_organization_page(support_client, support_user, org_a):
    balance = get_balance(organization=org_a.organization)
    support_client.post(
        org_url(org_a, "credits/"),
        {"kind": "grant", "credits": "50", "reason": "Goodwill after an outage"},
    )
    support_client.post(
        org_url(org_a, "credits/"),
        {"kind": "adjust", "credits": "-20", "reason": "Double top-up reversed"},
    )
    assert get_balance(organization=org_a.organization) == balance + 30
    entries = CreditLedgerEntry.objects.filter(staff_user=support_user).order_by("id")
    assert [(e.kind, e.delta, e.reason) for e in entries] == [
        ("grant", 50, "Goodwill after an outage"),
        ("adjustment", -20, "Double top-up reversed"),
    ]
    actions = SupportAction.objects.order_by("id")
    assert [(a.kind, a.reason, a.details["ledger_entry"]) for a in actions] == [
        ("grant", "Goodwill after an outage", entries[0].public_id),
        ("adjust", "Double top-up reversed", entries[1].public_id),
    ]


@pytest.mark.parametrize(
    "post",
    [
        {"kind": "grant", "credits": "50", "reason": ""},
        {"kind": "grant", "credits": "-5", "reason": "A negative grant"},
        {"kind": "adjust", "credits": "-999999", "reason": "More than the balance"},
    ],
)
def test_refused_credit_changes_write_nothing(support_client, org_a, post):
    balance = get_balance(organization=org_a.organization)
    entries = CreditLedgerEntry.objects.count()
    response = support_client.post(org_url(org_a, "credits/"), post)
    assert response.status_code == 302
    assert get_balance(organization=org_a.organization) == balance
    assert CreditLedgerEntry.objects.count() == entries
    assert not SupportAction.objects.exists()


def test_changelist_grant_action_is_audited_too(support_client, org_a):
    support_client.post(
        "/admin/accounts/organization/",
        {
            "action": "grant_credits_action",
            ACTION_CHECKBOX_NAME: [org_a.organization.pk],
            "apply": "1",
            "credits": "7",
            "reason": "Bulk goodwill",
        },
    )
    assert SupportAction.objects.get().kind == "grant"


def test_staff_without_the_permission_cannot_act(viewer_client, org_a):
    document = stored_document(org_a)
    balance = get_balance(organization=org_a.organization)
    page = viewer_client.get(org_url(org_a))
    assert page.status_code == 200
    assert 'data-testid="credits-form"' not in page.content.decode()
    posts = [
        (org_url(org_a, "credits/"), {"kind": "grant", "credits": "5", "reason": "x"}),
        (org_url(org_a, "view-as/"), {"reason": "x"}),
        (f"/admin/extractions/document/{document.pk}/original/", {"reason": "x"}),
        (f"/admin/extractions/document/{document.pk}/rerun/", {"reason": "x"}),
    ]
    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    assert get_balance(organization=org_a.organization) == balance
    assert not SupportAction.objects.exists()


# --------------------------------------------------------------------------- document page


def test_download_the_original_with_a_reason(support_client, org_a):
    document = stored_document(org_a, b"%PDF-1.4 the customer's bytes")
    url = f"/admin/extractions/document/{document.pk}/original/"
    refused = support_client.post(url, {"reason": ""})
    assert refused.status_code == 302 and not SupportAction.objects.exists()
    response = support_client.post(url, {"reason": "Ticket 4411: totals look wrong"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 the customer's bytes"
    assert "attachment" in response["Content-Disposition"]
    action = SupportAction.objects.get()
    assert (action.kind, action.target, action.reason) == (
        "download",
        document.public_id,
        "Ticket 4411: totals look wrong",
    )


def test_rerun_a_completed_document_free_with_another_version(support_client, org_a):
    document = stored_document(org_a)
    Document.objects.filter(pk=document.pk).update(
        reviewed=True, reviewed_output=document.initial_output, review_source="user"
    )
    v2 = ParserVersion.objects.create(
        parser=document.parser_version.parser, number=2, schema=SCHEMA
    )
    balance = get_balance(organization=org_a.organization)
    page = support_client.get(f"/admin/extractions/document/{document.pk}/change/")
    assert "v2" in page.content.decode() and 'data-testid="rerun-form"' in page.content.decode()
    support_client.post(
        f"/admin/extractions/document/{document.pk}/rerun/",
        {"parser_version": v2.pk, "reason": "New version fixes the total"},
    )
    document.refresh_from_db()
    assert document.status == DocumentStatus.QUEUED  # no worker in this test
    assert document.parser_version_id == v2.pk
    assert document.reruns == 1
    # The old review went with the old result.
    assert (document.reviewed, document.reviewed_output, document.review_source) == (
        False,
        None,
        "",
    )
    assert get_balance(organization=org_a.organization) == balance  # free
    action = SupportAction.objects.get()
    assert action.kind == "rerun" and action.details["charged"] is False
    assert action.reason == "New version fixes the total"


def test_rerun_charged(support_client, org_a):
    document = stored_document(org_a)
    balance = get_balance(organization=org_a.organization)
    support_client.post(
        f"/admin/extractions/document/{document.pk}/rerun/",
        {
            "parser_version": document.parser_version_id,
            "charge": "on",
            "reason": "Customer asked for a fresh run",
        },
    )
    charge = CreditLedgerEntry.objects.get(document=document, kind="charge")
    assert charge.delta == -1 and "Customer asked for a fresh run" in charge.reason
    assert get_balance(organization=org_a.organization) == balance - 1
    assert SupportAction.objects.get().details["charged"] is True


def test_rerun_refuses_a_version_of_another_parser(support_client, org_a):
    document = stored_document(org_a)
    other = completed_document(org_a).parser_version
    support_client.post(
        f"/admin/extractions/document/{document.pk}/rerun/",
        {"parser_version": other.pk, "reason": "x"},
    )
    document.refresh_from_db()
    assert (document.status, document.reruns) == (DocumentStatus.COMPLETED, 0)
    assert not SupportAction.objects.exists()


# --------------------------------------------------------------------------- view as customer


def test_view_as_customer_is_read_only_and_audited(support_client, support_user, org_a):
    document = completed_document(org_a)
    response = support_client.post(org_url(org_a, "view-as/"), {"reason": "Ticket 4412"})
    assert response.status_code == 302 and response["Location"] == "/"
    home = support_client.get("/")
    assert home.status_code == 200
    body = home.content.decode()
    assert 'data-testid="view-as-banner"' in body and "Org A" in body
    review = support_client.get(
        f"/extractions/{document.extraction.public_id}/documents/{document.public_id}/"
    )
    assert review.status_code == 200
    saved = support_client.post(
        f"/extractions/{document.extraction.public_id}/documents/{document.public_id}/",
        {"action": "mark"},
    )
    assert saved.status_code == 403
    document.refresh_from_db()
    assert document.reviewed is False
    action = SupportAction.objects.get()
    assert (action.kind, action.staff_user, action.reason) == (
        "view_as",
        support_user,
        "Ticket 4412",
    )

    stop = support_client.post("/admin/accounts/organization/view-as/stop/")
    assert stop.status_code == 302
    assert SESSION_KEY not in support_client.session


def test_view_as_expires(support_client, org_a, monkeypatch):
    support_client.post(org_url(org_a, "view-as/"), {"reason": "Ticket 4413"})
    later = time.time() + 2 * 3600
    monkeypatch.setattr("support.view_as.time.time", lambda: later)
    response = support_client.get("/")
    assert 'data-testid="view-as-banner"' not in response.content.decode()


def test_view_as_needs_a_reason(support_client, org_a):
    support_client.post(org_url(org_a, "view-as/"), {"reason": ""})
    assert SESSION_KEY not in support_client.session
    assert not SupportAction.objects.exists()
