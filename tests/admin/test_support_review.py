"""Support corrects a document in the admin: the dashboard's generated form, a required
reason, the review service (one edit per leaf, recorded as support), reverts, the audit log,
and what the customer then sees in the dashboard and the API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from extractions.models import Document, DocumentEdit, DocumentStatus, Extraction
from parsers.models import Parser, ParserVersion
from support.models import SupportAction
from tests.conftest import api_client_for_key
from tests.dashboard.conftest import web_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCHEMA = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string", "pattern": "^INV"},
        "total": {"type": "number"},
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"description": {"type": "string"}, "amount": {"type": "number"}},
            },
        },
    },
}
OUTPUT = {
    "invoice_number": "INV-1",
    "total": 10.0,
    "lines": [{"description": "Apples", "amount": 4.0}, {"description": "Pears", "amount": 6.0}],
}


def completed_document(tenant, *, filename: str = "invoice.pdf") -> Document:
    organization = tenant.organization
    parser = Parser.objects.create(organization=organization, name="Invoices")
    version = ParserVersion.objects.create(parser=parser, number=1, schema=SCHEMA)
    extraction = Extraction.objects.create(
        organization=organization, parser=parser, parser_version=version, file_count=1
    )
    return Document.objects.create(
        organization=organization,
        extraction=extraction,
        parser_version=version,
        filename=filename,
        page_count=1,
        pages_selected=[1],
        status=DocumentStatus.COMPLETED,
        initial_output=OUTPUT,
        confidence={"invoice_number": 0.95, "total": 0.4, "lines[1].amount": 0.3},
        citations={
            "total": {"page": 1, "bbox": [0.6, 0.8, 0.7, 0.82], "text": "10.00"},
            "lines[1].amount": {"page": 1, "bbox": [0.6, 0.5, 0.7, 0.52], "text": "6.00"},
        },
        review_score=0.3,
    )


def form_post(output: dict, **extra: str) -> dict[str, str]:
    post = {
        "f:invoice_number": output["invoice_number"],
        "f:total": str(output["total"]),
        "action": "approve",
        "reason": "Customer asked by e-mail: the total is 12",
    }
    for i, line in enumerate(output["lines"]):
        post[f"f:lines[{i}].description"] = line["description"]
        post[f"f:lines[{i}].amount"] = str(line["amount"])
    post.update(extra)
    return post


def review_url(document: Document) -> str:
    return f"/admin/extractions/document/{document.pk}/review/"


@pytest.fixture
def viewer_client(db):
    """Staff who may view documents but not act (no support.act)."""
    from django.test import Client

    user = UserFactory(email="viewer@perfectparser.test", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="extractions", codename__in=["view_document"]
        )
    )
    client = Client()
    client.force_login(user)
    return client


def test_support_edit_changes_output_with_one_edit_per_leaf(
    support_client, support_user, org_a, monkeypatch, django_capture_on_commit_callbacks
):
    emitted = []
    monkeypatch.setattr(
        "extractions.webhooks.dispatch.emit_document_event",
        lambda *, document_id, event: emitted.append((document_id, event)),
    )
    document = completed_document(org_a)
    changed = {**OUTPUT, "total": 12, "lines": [OUTPUT["lines"][0], {**OUTPUT["lines"][1]}]}
    changed["lines"][1]["amount"] = 8
    with django_capture_on_commit_callbacks(execute=True):
        response = support_client.post(review_url(document), form_post(changed))
    assert response.status_code == 302, response.content.decode()[:2000]

    document.refresh_from_db()
    assert document.output["total"] == 12
    assert document.output["lines"][1]["amount"] == 8
    assert (document.reviewed, document.review_source, document.reviewed_by) == (
        True,
        "support",
        None,
    )
    edits = list(DocumentEdit.objects.filter(document=document).order_by("path"))
    assert [(e.path, e.before, e.after) for e in edits] == [
        ("lines[1].amount", 6.0, 8),
        ("total", 10.0, 12),
    ]
    assert {(e.staff_user, e.user, e.api_key, e.reason) for e in edits} == {
        (support_user, None, None, "Customer asked by e-mail: the total is 12")
    }
    assert emitted == [(document.pk, "document.reviewed")]
    action = SupportAction.objects.get()
    assert (action.organization, action.staff_user, action.kind, action.target) == (
        org_a.organization,
        support_user,
        "edit",
        document.public_id,
    )
    assert action.details == {"paths": ["total", "lines[1].amount"]}


def test_form_shows_page_images_boxes_and_the_shared_form(support_client, org_a):
    document = completed_document(org_a)
    body = support_client.get(review_url(document)).content.decode()
    assert f"/admin/extractions/document/{document.pk}/page/1.png" in body
    assert body.count('data-testid="box"') == 2
    assert 'name="f:lines[1].amount"' in body  # the line items as an editable table
    assert 'data-testid="items-table"' in body
    assert 'type="number"' in body  # scalars as typed inputs
    assert 'name="reason"' in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("f:total", "twelve", "Enter a number"),  # the form's own check
        ("f:invoice_number", "XX-1", "Must match ^INV"),  # the schema version's
    ],
)
def test_validation_errors_are_shown_at_the_field(support_client, org_a, field, value, message):
    document = completed_document(org_a)
    response = support_client.post(review_url(document), form_post(OUTPUT, **{field: value}))
    assert response.status_code == 400
    body = response.content.decode()
    path = field.removeprefix("f:")
    start = body.index(f'data-field-path="{path}"')
    field_html = body[start : body.index("</div>\n", body.index("errorlist", start))]
    assert message in field_html
    assert f'value="{value}"' in field_html  # what was typed stays
    assert not DocumentEdit.objects.exists()
    assert not SupportAction.objects.exists()
    document.refresh_from_db()
    assert document.reviewed is False


def test_a_reason_is_required(support_client, org_a):
    document = completed_document(org_a)
    response = support_client.post(review_url(document), form_post(OUTPUT, reason="  "))
    assert response.status_code == 400
    assert 'data-testid="reason-error"' in response.content.decode()
    document.refresh_from_db()
    assert document.reviewed is False


def test_staff_without_the_permission_see_it_read_only(viewer_client, org_a):
    document = completed_document(org_a)
    page = viewer_client.get(review_url(document))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="read-only"' in body
    assert "<fieldset disabled>" in body
    assert 'data-testid="support-save"' not in body
    change = viewer_client.get(f"/admin/extractions/document/{document.pk}/change/")
    assert change.status_code == 200
    assert viewer_client.post(review_url(document), form_post(OUTPUT)).status_code == 403
    document.refresh_from_db()
    assert document.reviewed is False and not DocumentEdit.objects.exists()


def test_non_staff_cannot_reach_it(org_a):
    document = completed_document(org_a)
    client = web_client_for(org_a.owner, org_a.organization)
    response = client.post(review_url(document), form_post(OUTPUT))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not DocumentEdit.objects.exists()


def test_customer_sees_the_support_edit_in_dashboard_and_api(support_client, org_a):
    document = completed_document(org_a)
    support_client.post(review_url(document), form_post({**OUTPUT, "total": 12}))

    dashboard = web_client_for(org_a.member, org_a.organization).get(
        f"/extractions/{document.extraction.public_id}/documents/{document.public_id}/"
    )
    body = dashboard.content.decode()
    assert "PerfectParser support" in body
    assert "Customer asked by e-mail" in body
    assert "support@perfectparser.test" not in body

    api = api_client_for_key(org_a.api_key_secret).get(
        f"/v1/extractions/{document.extraction.public_id}/documents/{document.public_id}"
    )
    result = api.json()
    assert result["data"]["total"] == 12
    assert (result["review_source"], result["reviewed_by"]) == ("support", None)
    (edit,) = result["edits"]
    assert edit["source"] == "support"
    assert (edit["user"], edit["api_key"]) == (None, None)
    assert edit["reason"] == "Customer asked by e-mail: the total is 12"
    assert "support@perfectparser.test" not in api.content.decode()


def test_customer_edits_have_no_reason_and_their_own_source(client_a, org_a):
    document = completed_document(org_a)
    response = client_a.patch(
        f"/v1/extractions/{document.extraction.public_id}/documents/{document.public_id}/review",
        {"output": {"total": 11}},
        format="json",
    )
    assert response.status_code == 200, response.content
    (edit,) = response.json()["edits"]
    assert (edit["source"], edit["reason"]) == ("api_key", "")


def test_support_edit_can_be_reverted_as_an_edit(support_client, support_user, org_a):
    document = completed_document(org_a)
    support_client.post(review_url(document), form_post({**OUTPUT, "total": 12}))
    edit = DocumentEdit.objects.get()
    response = support_client.post(
        f"/admin/extractions/document/{document.pk}/edits/{edit.pk}/revert/",
        {"reason": "Wrong document"},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.output["total"] == 10.0
    revert = DocumentEdit.objects.exclude(pk=edit.pk).get()
    assert (revert.path, revert.before, revert.after, revert.staff_user) == (
        "total",
        12,
        10.0,
        support_user,
    )
    assert revert.reason == f"Revert of edit #{edit.pk}: Wrong document"
    assert list(SupportAction.objects.order_by("id").values_list("kind", flat=True)) == [
        "edit",
        "revert",
    ]


def test_a_customer_edit_is_not_reverted_by_support(support_client, org_a, client_a):
    document = completed_document(org_a)
    client_a.patch(
        f"/v1/extractions/{document.extraction.public_id}/documents/{document.public_id}/review",
        {"output": {"total": 11}},
        format="json",
    )
    edit = DocumentEdit.objects.get()
    support_client.post(
        f"/admin/extractions/document/{document.pk}/edits/{edit.pk}/revert/", {"reason": "x"}
    )
    document.refresh_from_db()
    assert document.output["total"] == 11
    assert DocumentEdit.objects.count() == 1


def test_revert_needs_the_permission_and_a_reason(support_client, viewer_client, org_a):
    document = completed_document(org_a)
    support_client.post(review_url(document), form_post({**OUTPUT, "total": 12}))
    edit = DocumentEdit.objects.get()
    url = f"/admin/extractions/document/{document.pk}/edits/{edit.pk}/revert/"
    assert viewer_client.post(url, {"reason": "x"}).status_code == 403
    support_client.post(url, {"reason": ""})
    document.refresh_from_db()
    assert document.output["total"] == 12
    assert DocumentEdit.objects.count() == 1


def test_edit_history_inline_says_who_what_when_why(support_client, org_a, client_a):
    document = completed_document(org_a)
    support_client.post(review_url(document), form_post({**OUTPUT, "total": 12}))
    client_a.patch(
        f"/v1/extractions/{document.extraction.public_id}/documents/{document.public_id}/review",
        {"output": {"invoice_number": "INV-2"}},
        format="json",
    )
    body = support_client.get(f"/admin/extractions/document/{document.pk}/change/").content
    body = body.decode()
    assert "PerfectParser support (support@perfectparser.test)" in body
    assert f"API key {org_a.api_key.prefix}…" in body
    assert "Customer asked by e-mail: the total is 12" in body
    assert f"/admin/extractions/document/{document.pk}/review/" in body


def test_review_page_query_count_is_pinned(support_client, org_a, django_assert_num_queries):
    document = completed_document(org_a)
    support_client.post(review_url(document), form_post({**OUTPUT, "total": 12}))
    support_client.get(review_url(document))
    # session, user, the document (one join), permissions (2), the edits (one join)
    with django_assert_num_queries(6):
        response = support_client.get(review_url(document))
    assert response.status_code == 200


def test_document_change_page_query_count_is_pinned(
    support_client, org_a, django_assert_num_queries
):
    document = completed_document(org_a)
    support_client.post(review_url(document), form_post({**OUTPUT, "total": 12}))
    url = f"/admin/extractions/document/{document.pk}/change/"
    support_client.get(url)
    # + the support tools: the re-run form's versions of the parser
    with django_assert_num_queries(12):
        response = support_client.get(url)
    assert response.status_code == 200


def test_reason_error_is_shown_once_at_the_reason(support_client, org_a):
    document = completed_document(org_a)
    body = support_client.post(review_url(document), form_post(OUTPUT, reason="")).content
    assert body.decode().count("A reason is required") == 1


@pytest.mark.parametrize(
    ("path", "tokens"),
    [
        ("total", ["total"]),
        ("vendor.name", ["vendor", "name"]),
        ("lines[2].amount", ["lines", 2, "amount"]),
        ("[0].total", [0, "total"]),
    ],
)
def test_edit_paths_are_read_back_for_reverts(path, tokens):
    from support.services import path_tokens, value_at, with_value_at

    assert path_tokens(path) == tokens
    data = {"total": 1, "vendor": {"name": "A"}, "lines": [{}, {}, {"amount": 3}]}
    if path == "[0].total":
        data = [{"total": 5}]
    changed = with_value_at(data, path, "new")
    assert value_at(changed, path) == "new"
    assert value_at(data, path) != "new"  # a copy: the stored output is not touched


def test_list_target_documents_are_corrected_and_reverted_too(support_client, org_a):
    document = completed_document(org_a)
    extraction = document.extraction
    extraction.options = {"extraction_target": "per_page"}
    extraction.save(update_fields=["options"])
    pages = [{"invoice_number": "INV-1", "total": 1.0, "lines": []}, {**OUTPUT, "lines": []}]
    Document.objects.filter(pk=document.pk).update(initial_output=pages, confidence={})
    post = {
        "f:[0].invoice_number": "INV-1",
        "f:[0].total": "1",
        "f:[1].invoice_number": "INV-1",
        "f:[1].total": "99",
        "action": "approve",
        "reason": "Page 2 total misread",
    }
    response = support_client.post(review_url(document), post)
    assert response.status_code == 302, response.content.decode()[:3000]
    document.refresh_from_db()
    assert [page["total"] for page in document.output] == [1.0, 99]
    edit = DocumentEdit.objects.get()
    assert (edit.path, edit.before, edit.after) == ("[1].total", 10.0, 99)
    support_client.post(
        f"/admin/extractions/document/{document.pk}/edits/{edit.pk}/revert/", {"reason": "No"}
    )
    document.refresh_from_db()
    assert document.output[1]["total"] == 10.0
