"""POST /v1/extractions (multipart): the 202 body of the docs, every error of their table,
credits, and "a rejected request leaves nothing behind"."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import CreditLedgerEntry
from billing.services import get_balance
from docgen import SIMPLE_INVOICE_SCHEMA, encrypted_pdf, png_bytes
from extractions.models import Document, Extraction, StoredFile
from parsers.models import Parser
from parsers.services import create_parser
from tests.extractions.helpers import pdf_upload

pytestmark = pytest.mark.django_db


def post(client, data, **extra):
    return client.post("/v1/extractions", data, format="multipart", **extra)


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def assert_nothing_created(org, balance_before, media):
    assert Extraction.objects.for_org(org).count() == 0
    assert Document.objects.for_org(org).count() == 0
    assert StoredFile.objects.for_org(org).count() == 0
    assert get_balance(organization=org) == balance_before
    assert not CreditLedgerEntry.objects.for_org(org).filter(kind="charge").exists()
    assert stored_files(media) == []


def test_202_body_is_exactly_the_documented_one(client_a, parser_a, org_a, _media_in_tmp):
    response = post(
        client_a,
        {
            "parser_id": parser_a.public_id,
            "files": [pdf_upload("invoice-1.pdf", pages=3), pdf_upload("invoice-2.pdf", pages=4)],
        },
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert list(body) == ["extraction"]
    ext = body["extraction"]
    assert list(ext) == [
        "extraction_id",
        "parser_id",
        "status",
        "file_count",
        "page_count",
        "credits_used",
        "credits_remaining",
        "documents",
    ]
    assert ext["extraction_id"].startswith("ext_")
    assert ext["parser_id"] == parser_a.public_id
    assert ext["status"] == "queued"
    assert (ext["file_count"], ext["page_count"], ext["credits_used"]) == (2, 7, 7)
    assert ext["credits_remaining"] == 1000 - 7 == get_balance(organization=org_a.organization)
    assert [list(d) for d in ext["documents"]] == [
        ["document_id", "filename", "page_count", "credits_used", "status"]
    ] * 2
    assert [
        (d["filename"], d["page_count"], d["credits_used"], d["status"]) for d in ext["documents"]
    ] == [
        ("invoice-1.pdf", 3, 3, "queued"),
        ("invoice-2.pdf", 4, 4, "queued"),
    ]
    assert all(d["document_id"].startswith("doc_") for d in ext["documents"])
    # Stored, charged once, queued.
    assert len(stored_files(_media_in_tmp)) == 2
    charges = CreditLedgerEntry.objects.for_org(org_a.organization).filter(kind="charge")
    assert [c.delta for c in charges] == [-7]
    docs = Document.objects.filter(extraction__public_id=ext["extraction_id"]).order_by("position")
    assert [d.sha256 != "" and d.media_type == "application/pdf" for d in docs] == [True, True]


def test_page_selection_and_tier_multiplier(client_a, org_a, settings):
    # A pricier tier, as the model tier will be (none is offered today).
    pricier = create_parser(
        organization=org_a.organization, name="Model", schema=SIMPLE_INVOICE_SCHEMA
    )
    Parser.objects.filter(pk=pricier.pk).update(tier="model")
    settings.PP_TIER_MULTIPLIERS = {"standard": 1, "model": 3}
    response = post(
        client_a,
        {
            "parser_id": pricier.public_id,
            "pages": "1,3-4,9",  # page 9 is past the end of a 5-page file: dropped
            "files": [pdf_upload("a.pdf", pages=5), pdf_upload("b.pdf", pages=1)],
        },
    )
    assert response.status_code == 202, response.json()
    ext = response.json()["extraction"]
    assert [d["credits_used"] for d in ext["documents"]] == [9, 3]
    assert ext["credits_used"] == 12
    assert ext["page_count"] == 6
    doc = Document.objects.get(public_id=ext["documents"][0]["document_id"])
    assert doc.pages_selected == [1, 3, 4]


def test_images_count_one_page(client_a, parser_a):
    upload = SimpleUploadedFile("scan.png", png_bytes(), content_type="image/png")
    response = post(client_a, {"parser_id": parser_a.public_id, "files": [upload]})
    assert response.status_code == 202
    assert response.json()["extraction"]["documents"][0]["page_count"] == 1


def test_classifier_submission_has_null_parser_and_classifier_id(client_a, org_a, parser_a):
    from parsers.services import LabelSpec, create_classifier

    classifier = create_classifier(
        organization=org_a.organization,
        name="Mail room",
        labels=[LabelSpec(name="invoice", keywords=("invoice",), parser_id=parser_a.public_id)],
    )
    response = post(client_a, {"classifier_id": classifier.public_id, "files": [pdf_upload()]})
    assert response.status_code == 202, response.json()
    ext = response.json()["extraction"]
    assert ext["parser_id"] is None
    assert ext["classifier_id"] == classifier.public_id
    assert list(ext)[:3] == ["extraction_id", "parser_id", "classifier_id"]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"files": "PDF"}, "parser_id"),
        ({"parser_id": "PARSER"}, "files"),
    ],
)
def test_missing_parameter_is_invalid_payload(
    client_a, parser_a, org_a, _media_in_tmp, data, field
):
    data = {k: (parser_a.public_id if v == "PARSER" else [pdf_upload()]) for k, v in data.items()}
    response = post(client_a, data)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"
    assert field in response.json()["error"]["message"]
    assert_nothing_created(org_a.organization, 1000, _media_in_tmp)


def test_too_many_files(client_a, parser_a, settings):
    settings.PP_MAX_FILES_PER_SUBMISSION = 2
    response = post(
        client_a,
        {"parser_id": parser_a.public_id, "files": [pdf_upload(f"{i}.pdf") for i in range(3)]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"


def test_parser_not_configured(client_a, org_a, _media_in_tmp):
    empty = create_parser(organization=org_a.organization, name="No schema yet")
    response = post(client_a, {"parser_id": empty.public_id, "files": [pdf_upload()]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PARSER_NOT_CONFIGURED"
    assert_nothing_created(org_a.organization, 1000, _media_in_tmp)


def test_unsupported_file_type_by_magic_bytes_names_the_file(
    client_a, parser_a, org_a, _media_in_tmp
):
    # Named .pdf, but HTML inside: the bytes decide.
    fake = SimpleUploadedFile("invoice.pdf", b"<html><script>alert(1)</script></html>")
    response = post(client_a, {"parser_id": parser_a.public_id, "files": [pdf_upload(), fake]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "UNSUPPORTED_FILE_TYPE"
    assert error["details"]["filename"] == "invoice.pdf"
    assert error["details"]["index"] == 1
    assert_nothing_created(org_a.organization, 1000, _media_in_tmp)


@pytest.mark.parametrize(
    "payload, reason",
    [
        (encrypted_pdf(), "encrypted_document"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref", "extraction_failed"),
    ],
)
def test_page_count_failed(client_a, parser_a, org_a, _media_in_tmp, payload, reason):
    upload = SimpleUploadedFile("broken.pdf", payload)
    response = post(client_a, {"parser_id": parser_a.public_id, "files": [upload]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "PAGE_COUNT_FAILED"
    assert error["details"] == {"filename": "broken.pdf", "index": 0, "reason": reason}
    assert_nothing_created(org_a.organization, 1000, _media_in_tmp)


def test_unauthorized(anon_client, parser_a):
    response = post(anon_client, {"parser_id": parser_a.public_id, "files": [pdf_upload()]})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    bad = post(
        anon_client,
        {"parser_id": parser_a.public_id, "files": [pdf_upload()]},
        HTTP_X_API_KEY="pp_live_nope",
    )
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "UNAUTHORIZED"


def test_insufficient_credits_creates_and_charges_nothing(client_a, parser_a, org_a, _media_in_tmp):
    from billing.services import charge_credits

    charge_credits(organization=org_a.organization, credits=995, cause_key="test:drain")
    response = post(
        client_a,
        {"parser_id": parser_a.public_id, "files": [pdf_upload(pages=3), pdf_upload(pages=3)]},
    )
    assert response.status_code == 402
    error = response.json()["error"]
    assert error["code"] == "INSUFFICIENT_CREDITS"
    assert error["details"] == {"required": 6, "available": 5}
    assert Extraction.objects.for_org(org_a.organization).count() == 0
    assert Document.objects.for_org(org_a.organization).count() == 0
    assert get_balance(organization=org_a.organization) == 5
    assert stored_files(_media_in_tmp) == []


def test_parser_of_another_organization_is_not_found(client_a, parser_b, org_a, _media_in_tmp):
    response = post(client_a, {"parser_id": parser_b.public_id, "files": [pdf_upload()]})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PARSER_NOT_FOUND"
    missing = post(client_a, {"parser_id": "prs_doesnotexist", "files": [pdf_upload()]})
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        **response.json()["error"],
        "message": missing.json()["error"]["message"],
    }
    assert_nothing_created(org_a.organization, 1000, _media_in_tmp)


def test_metadata_and_options_are_validated(client_a, parser_a, settings, dns):
    dns["hooks.example.com"] = ["93.184.215.14"]
    ok = post(
        client_a,
        {
            "parser_id": parser_a.public_id,
            "files": [pdf_upload()],
            "metadata": json.dumps({"customer": "c-42"}),
            "extraction_target": "per_page",
            "webhook_url": "https://hooks.example.com/pp",
        },
    )
    assert ok.status_code == 202
    ext = Extraction.objects.get(public_id=ok.json()["extraction"]["extraction_id"])
    assert ext.metadata == {"customer": "c-42"}
    assert ext.options["extraction_target"] == "per_page"
    assert ext.webhook_url == "https://hooks.example.com/pp"

    big = json.dumps({"blob": "x" * (10 * 1024)})
    for extra in (
        {"metadata": big},
        {"metadata": "[1, 2]"},
        {"metadata": "{not json"},
        {"extraction_target": "per_word"},
        {"pages": "3-1"},
        {"pages": "abc"},
        {"webhook_url": "ftp://example.com"},
    ):
        response = post(
            client_a, {"parser_id": parser_a.public_id, "files": [pdf_upload()], **extra}
        )
        assert response.status_code == 400, extra
        assert response.json()["error"]["code"] == "INVALID_PAYLOAD", extra


def test_page_selection_that_picks_nothing(client_a, parser_a):
    response = post(
        client_a, {"parser_id": parser_a.public_id, "pages": "5-6", "files": [pdf_upload(pages=2)]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"]["filename"] == "invoice-1.pdf"


def test_file_name_is_sanitised(client_a, parser_a):
    upload = pdf_upload("../../etc/evil\x00name.pdf")
    response = post(client_a, {"parser_id": parser_a.public_id, "files": [upload]})
    assert response.status_code == 202
    assert response.json()["extraction"]["documents"][0]["filename"] == "evilname.pdf"
    stored = StoredFile.objects.get()
    assert "evil" not in stored.storage_key and ".." not in stored.storage_key


def test_jwt_member_can_submit(member_client, parser_a, org_a):
    response = post(member_client, {"parser_id": parser_a.public_id, "files": [pdf_upload()]})
    assert response.status_code == 202
    ext = Extraction.objects.get()
    assert ext.created_by == org_a.member and ext.api_key is None


def test_oversized_file_is_refused_while_it_arrives(
    client_a, parser_a, org_a, _media_in_tmp, settings
):
    settings.PP_MAX_FILE_BYTES = 4096
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 10_000)
    # Refused by the upload handler, before the service ever sees the files.
    with mock.patch(
        "extractions.services.submission.describe_uploads", side_effect=AssertionError("too late")
    ):
        response = post(client_a, {"parser_id": parser_a.public_id, "files": [pdf_upload(), big]})
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "DOCUMENT_TOO_LARGE"
    assert error["details"]["filename"] == "big.pdf" and error["details"]["index"] == 1
    assert_nothing_created(org_a.organization, 1000, _media_in_tmp)


def test_too_many_pages(client_a, parser_a, settings):
    settings.PP_MAX_PAGES_PER_DOCUMENT = 2
    response = post(client_a, {"parser_id": parser_a.public_id, "files": [pdf_upload(pages=3)]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PAGE_LIMIT_EXCEEDED"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "https://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://localhost/x",
        "http://[::127.0.0.1]/hook",  # IPv4-compatible IPv6 (issue #19 item 5)
        "https://internal.example.org/hook",  # a host name that resolves to a private address
        "https://nowhere.invalid/hook",  # does not resolve at all
    ],
)
def test_webhook_url_to_a_private_address_is_refused_in_production(
    settings, client_a, parser_a, org_a, url, dns
):
    """Host names are resolved and vetted at submission as POST /v1/webhooks does them."""
    settings.PP_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    dns["internal.example.org"] = ["93.184.215.14", "10.0.0.7"]
    response = client_a.post(
        "/v1/extractions",
        {"parser_id": parser_a.public_id, "files": [pdf_upload()], "webhook_url": url},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "INVALID_WEBHOOK_URL"
    assert not Extraction.objects.filter(organization=org_a.organization).exists()
