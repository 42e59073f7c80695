"""The support queue (documents that need a person, every organization, oldest first) and the
support audit log (superusers in the admin, an organization's owners in Settings)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from extractions.models import Document
from support.models import SupportAction
from tests.admin.test_support_review import OUTPUT, completed_document, form_post, review_url
from tests.dashboard.conftest import web_client_for

pytestmark = pytest.mark.django_db

QUEUE = "/admin/support/documenttoreview/"


def aged(document: Document, days: float) -> Document:
    Document.objects.filter(pk=document.pk).update(created_at=timezone.now() - timedelta(days=days))
    return document


def listed(body: str) -> list[str]:
    import re

    return re.findall(r'data-testid="queue-document">[^<]*</a><br><code>(doc_\w+)</code>', body)


def test_queue_lists_flagged_documents_of_every_organization_oldest_first(
    support_client, org_a, org_b
):
    newer = aged(completed_document(org_a, filename="newer.pdf"), 1)
    older = aged(completed_document(org_b, filename="older.pdf"), 5)
    confident = completed_document(org_a, filename="fine.pdf")
    Document.objects.filter(pk=confident.pk).update(review_score=0.99)
    reviewed = completed_document(org_a, filename="done.pdf")
    Document.objects.filter(pk=reviewed.pk).update(reviewed=True)

    response = support_client.get(QUEUE)
    assert response.status_code == 200
    assert listed(response.content.decode()) == [older.public_id, newer.public_id]


def test_queue_filters_by_organization_and_age(support_client, org_a, org_b):
    a_old = aged(completed_document(org_a), 4)
    a_new = completed_document(org_a)
    b_old = aged(completed_document(org_b), 10)
    by_org = support_client.get(QUEUE, {"org": org_a.organization.public_id}).content.decode()
    assert listed(by_org) == [a_old.public_id, a_new.public_id]
    assert "Org A (2)" in by_org  # the filter lists organizations with their waiting count
    by_age = support_client.get(QUEUE, {"age": "3d"}).content.decode()
    assert listed(by_age) == [b_old.public_id, a_old.public_id]


def test_audit_log_is_for_superusers(support_client, superuser_client, org_a):
    document = completed_document(org_a)
    support_client.post(review_url(document), form_post({**OUTPUT, "total": 12}))
    assert SupportAction.objects.count() == 1
    assert support_client.get("/admin/support/supportaction/").status_code == 403
    page = superuser_client.get("/admin/support/supportaction/")
    assert page.status_code == 200
    assert "support@perfectparser.test" in page.content.decode()


def test_owners_see_their_support_activity_in_settings(support_client, org_a, org_b):
    document = completed_document(org_a)
    support_client.post(review_url(document), form_post({**OUTPUT, "total": 12}))
    other = completed_document(org_b)
    support_client.post(review_url(other), form_post(OUTPUT, reason="Org B's own request"))

    owner_page = web_client_for(org_a.owner, org_a.organization).get("/settings/")
    body = owner_page.content.decode()
    assert 'data-testid="support-audit"' in body
    assert document.public_id in body and "Customer asked by e-mail" in body
    assert other.public_id not in body and "Org B&#x27;s own request" not in body

    admin_page = web_client_for(org_a.admin, org_a.organization).get("/settings/")
    assert admin_page.status_code == 200
    assert 'data-testid="support-audit"' not in admin_page.content.decode()


def test_queue_with_50_rows_has_a_pinned_query_count(
    support_client, org_a, org_b, django_assert_num_queries
):
    for i in range(25):
        completed_document(org_a, filename=f"a{i}.pdf")
        completed_document(org_b, filename=f"b{i}.pdf")
    support_client.get(QUEUE)
    # session, user, permissions (2), the organizations filter (one grouped query), the
    # rows (one join), their count
    with django_assert_num_queries(7):
        response = support_client.get(QUEUE)
    assert len(listed(response.content.decode())) == 50
