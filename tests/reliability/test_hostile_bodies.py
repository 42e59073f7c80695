"""Issue #19 item 6: hostile request bodies are 400/413 in the error envelope, before any view
parses them (they were 500s: RecursionError on 5,000 nested arrays, RequestDataTooBig on a
20 MB body, a RecursionError further on for metadata nested 500 levels).

``config.middleware.JSONBodyGuardMiddleware`` guards every JSON body; ``config.json_input``
is the one parser of client JSON elsewhere (multipart ``metadata``, dashboard inputs).
"""

from __future__ import annotations

import json
import time

import pytest
from rest_framework.test import APIClient

from config import json_input
from extractions.models import Extraction
from parsers.models import Parser
from tests.dashboard.conftest import web_client_for
from tests.extractions.helpers import pdf_upload

pytestmark = pytest.mark.django_db

DEEP = 5000


def _nested(levels: int, leaf: str = "1") -> str:
    return "[" * levels + leaf + "]" * levels


def _assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["error"]["code"] == code
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.mark.parametrize(
    "url, authenticated",
    [
        ("/v1/parsers", True),
        ("/v1/schemas/validate", True),
        ("/v1/extractions", True),
        ("/v1/extract", True),
        ("/v1/webhooks", True),
        ("/v1/files", True),
        ("/v1/auth/token", False),
        ("/v1/auth/token/refresh", False),
    ],
)
def test_json_nested_5000_levels_is_400_before_any_view(client_a, url, authenticated):
    client = client_a if authenticated else APIClient()
    body = '{"schema": ' + _nested(DEEP) + ', "email": "a@b.c", "password": "x"}'
    started = time.monotonic()
    response = client.generic("POST", url, body, content_type="application/json")
    assert time.monotonic() - started < 1.0
    error = _assert_envelope(response, 400, "INVALID_PAYLOAD")
    assert f"deeper than {json_input.MAX_JSON_DEPTH} levels" in error["message"]


def test_review_patch_nested_too_deep_is_400(client_a):
    response = client_a.generic(
        "PATCH",
        "/v1/extractions/ext_x/documents/doc_x/review",
        '{"output": ' + _nested(DEEP) + "}",
        content_type="application/json",
    )
    _assert_envelope(response, 400, "INVALID_PAYLOAD")


def test_a_20_mb_json_body_is_413_without_being_read(client_a, settings):
    body = '{"name": "big", "schema": {"title": "' + "x" * (20 * 1024 * 1024) + '"}}'
    for client in (client_a, APIClient()):
        response = client.generic("POST", "/v1/parsers", body, content_type="application/json")
        error = _assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")
        assert str(settings.PP_MAX_JSON_BODY_BYTES) in error["message"]
    assert not Parser.objects.exists()


def test_nesting_up_to_the_limit_is_accepted_and_brackets_in_strings_do_not_count(client_a):
    schema = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "description": "[[[{{{" * 600, "examples": []},
        },
    }
    response = client_a.post("/v1/parsers", {"name": "[{" * 100, "schema": schema}, format="json")
    assert response.status_code == 201, response.content[:300]
    limit = json_input.MAX_JSON_DEPTH
    assert not json_input.nesting_exceeds(_nested(limit))
    assert json_input.nesting_exceeds(_nested(limit + 1))
    assert not json_input.nesting_exceeds(json.dumps({"a": "]]]]" + "[" * 500 + '\\"'}))


def test_multipart_metadata_nested_500_levels_is_400_naming_the_field(client_a, parser_a):
    metadata = '{"a": ' * 500 + "1" + "}" * 500
    response = client_a.post(
        "/v1/extractions",
        {"parser_id": parser_a.public_id, "files": [pdf_upload()], "metadata": metadata},
        format="multipart",
    )
    error = _assert_envelope(response, 400, "INVALID_PAYLOAD")
    assert "metadata" in error["details"]["fields"]
    assert not Extraction.objects.exists()


def test_multipart_form_fields_over_the_memory_cap_are_413(client_a, parser_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    response = client_a.post(
        "/v1/extractions",
        {"parser_id": parser_a.public_id, "files": [pdf_upload()], "metadata": "x" * 100_000},
        format="multipart",
    )
    _assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")


def test_dashboard_json_inputs_refuse_deep_nesting_without_a_500(org_a):
    web = web_client_for(org_a.owner)
    response = web.post(
        "/parsers/validate/", '{"schema": ' + _nested(DEEP) + "}", content_type="application/json"
    )
    assert response.status_code == 400
    designer = web.post(
        "/parsers/new/", {"name": "Deep", "schema": '{"type": ' + _nested(DEEP, '"x"') + "}"}
    )
    assert designer.status_code == 400  # the form again, with the error at the schema
    assert b"deeper than" in designer.content
    assert not Parser.objects.exists()
