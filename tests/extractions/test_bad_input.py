"""NUL characters (refused by PostgreSQL text and jsonb) anywhere in the input: a 4xx, never a
database error."""

from __future__ import annotations

import json

import pytest

from tests.extractions.helpers import pdf_upload, run, submit


@pytest.mark.django_db
def test_nul_characters_are_client_errors(client_a, parser_a):
    ext = submit(client_a, parser_a)
    ext_id, doc = ext["extraction_id"], ext["documents"][0]["document_id"]
    run(doc)
    base = f"/v1/extractions/{ext_id}"
    checks = {
        "extraction id": (client_a.get("/v1/extractions/ext_%00x"), 404),
        "document id": (client_a.get(f"{base}/documents/doc_%00"), 404),
        "parser filter": (client_a.get("/v1/extractions?parser_id=%00"), 400),
        "classifier filter": (client_a.get("/v1/extractions?classifier_id=a%00"), 400),
        "cursor": (client_a.get(f"{base}?cursor=%00"), 400),
        "parser id": (
            client_a.post(
                "/v1/extractions",
                {"parser_id": "prs_\x00", "files": [pdf_upload()]},
                format="multipart",
            ),
            400,
        ),
        "metadata": (
            client_a.post(
                "/v1/extractions",
                {
                    "parser_id": parser_a.public_id,
                    "files": [pdf_upload()],
                    "metadata": json.dumps({"a": "\u0000"}),
                },
                format="multipart",
            ),
            400,
        ),
        "file ids": (
            client_a.post(
                "/v1/extractions",
                {"parser_id": parser_a.public_id, "file_ids": ["file_\x00"]},
                format="json",
            ),
            400,
        ),
        "review": (
            client_a.patch(
                f"{base}/documents/{doc}/review",
                {"output": {"invoice_number": "a\u0000"}},
                format="json",
            ),
            400,
        ),
    }
    assert {k: r.status_code for k, (r, _) in checks.items()} == {
        k: code for k, (_, code) in checks.items()
    }
