"""The OpenAPI document is the contract: every operation declares the errors it can answer
(with the envelope and its codes) and the headers it sends; the recorder that checks the
whole suite's responses against it (tests/openapi_contract.py) refuses what it does not say.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.openapi import ERROR_CODES
from tests.openapi_contract import Contract, contract

REPO = Path(__file__).resolve().parent.parent.parent
METHODS = ("get", "post", "put", "patch", "delete")


def operations():
    document = contract().document
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def error_codes(response: dict) -> set[str]:
    """The codes an error response's envelope allows."""
    schema = response["content"]["application/json"]["schema"]
    shapes = schema.get("oneOf", [schema])
    codes: set[str] = set()
    for shape in shapes:
        code = shape.get("properties", {}).get("error", {}).get("properties", {}).get("code")
        if code:
            codes |= set(code["enum"])
    return codes


def test_every_operation_declares_its_errors_in_the_envelope() -> None:
    seen = list(operations())
    assert len(seen) >= 49
    for method, path, operation in seen:
        responses = operation["responses"]
        where = f"{method} {path}"
        for status in ("400", "406", "500"):
            assert status in responses, f"{where}: no {status}"
        public = operation.get("security") == [{}]
        if not public:
            assert "401" in responses, f"{where}: authenticated, no 401"
        for status, response in responses.items():
            if int(status) < 400:
                continue
            codes = error_codes(response)
            jwt_only = status == "401" and not codes
            assert codes or jwt_only, f"{where} {status}: no code"
            for code in codes:
                assert ERROR_CODES[code][0] == int(status), f"{where}: {code} under {status}"
        if "429" in responses:
            assert responses["429"]["headers"]["Retry-After"]["required"] is True
        if "{" in path:
            assert "404" in responses, f"{where}: names an object, no 404"


def test_post_extractions_declares_its_real_statuses_codes_and_headers() -> None:
    """The reference's error table for POST /v1/extractions, and what we add to it."""
    operation = next(op for m, p, op in operations() if (m, p) == ("POST", "/v1/extractions"))
    responses = operation["responses"]
    assert {s for s in responses} >= {"202", "400", "401", "402", "404", "409", "413", "429"}
    assert error_codes(responses["400"]) >= {
        "INVALID_PAYLOAD",
        "PARSER_NOT_CONFIGURED",
        "UNSUPPORTED_FILE_TYPE",
        "PAGE_COUNT_FAILED",
    }
    assert "UNAUTHORIZED" in error_codes(responses["401"])
    assert error_codes(responses["402"]) == {"INSUFFICIENT_CREDITS"}
    assert "PARSER_NOT_FOUND" in error_codes(responses["404"])
    assert error_codes(responses["409"]) == {"IDEMPOTENCY_KEY_REUSED"}
    assert error_codes(responses["429"]) == {"RATE_LIMITED"}
    assert "Idempotent-Replayed" in responses["202"]["headers"]
    body = responses["202"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SubmissionAccepted"}
    extraction = contract().document["components"]["schemas"]["SubmittedExtraction"]
    assert set(extraction["required"]) >= {
        "extraction_id",
        "parser_id",
        "status",
        "file_count",
        "page_count",
        "credits_used",
        "credits_remaining",
        "documents",
    }


_RAISED = re.compile(
    r"""(?:APIError|NotFoundError|error_body)\(\s*"([A-Z][A-Z_]+)"|"""
    r"""(?:not_found_code|default_code)\s*=\s*"([A-Z][A-Z_]+)"|"""
    r"""^[A-Z_]+_NOT_FOUND\s*=\s*"([A-Z_]+)\"""",
    re.MULTILINE,
)


def test_every_error_code_the_code_raises_is_catalogued_with_its_status() -> None:
    raised: dict[str, list[str]] = {}
    for app in ("accounts", "billing", "config", "extractions", "parsers"):
        for path in (REPO / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for match in _RAISED.finditer(path.read_text()):
                code = next(g for g in match.groups() if g)
                raised.setdefault(code, []).append(str(path.relative_to(REPO)))
    assert len(raised) > 30
    # Dashboard-only codes (sign-up, invitations, members) never reach /v1/.
    dashboard_only = {
        "EMAIL_TAKEN",
        "WEAK_PASSWORD",
        "ALREADY_MEMBER",
        "INVITATION_INVALID",
        "INVITATION_EXPIRED",
        "INVITATION_EMAIL_MISMATCH",
        "LAST_OWNER",
    }
    missing = {
        c: where for c, where in raised.items() if c not in ERROR_CODES.keys() | dashboard_only
    }
    assert not missing, f"add to config.openapi.ERROR_CODES: {missing}"


def test_the_recorder_refuses_what_the_document_does_not_say() -> None:
    document = {
        "paths": {
            "/v1/things/{thing_id}": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["id"],
                                        "properties": {"id": {"type": "string"}},
                                    }
                                }
                            }
                        },
                        "404": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "allOf": [{"$ref": "#/components/schemas/Error"}],
                                        "properties": {
                                            "error": {
                                                "properties": {"code": {"enum": ["NOT_FOUND"]}}
                                            }
                                        },
                                    }
                                }
                            }
                        },
                        "429": {
                            "headers": {"Retry-After": {"required": True}},
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "object", "required": ["code"]}},
                }
            }
        },
    }
    recorder = Contract(document)

    def problems(status, body, headers=None, method="GET", path="/v1/things/t1"):
        return recorder.problems(
            method, path, status, "application/json", headers or {}, body.encode()
        )

    assert problems(200, '{"id": "t1"}') == []
    assert problems(404, '{"error": {"code": "NOT_FOUND"}}') == []
    assert problems(200, '{"id": 7}')  # wrong type
    assert problems(418, "{}")  # undeclared status
    assert problems(404, '{"error": {"code": "GONE"}}')  # undeclared code
    assert problems(404, '{"detail": "Not found."}')  # not the envelope
    assert problems(429, "{}")  # required Retry-After missing
    assert problems(429, "{}", {"Retry-After": "3"}) == []
    assert problems(200, '{"id": "t1"}', {"Retry-After": "3"})  # sent, not declared
    # Not operations of the document: not checked.
    assert problems(500, "{}", path="/v1/elsewhere") == []
    assert problems(500, "{}", method="DELETE") == []


@pytest.mark.django_db
def test_an_undeclared_answer_fails_the_test_that_received_it(client_a, monkeypatch) -> None:
    """The recorder is on for the whole suite: a view answering outside the document makes
    the test client raise in the test that sent the request."""
    from rest_framework.response import Response

    from extractions.views import ExtractionCollectionView
    from tests.openapi_contract import contract

    contract()  # the document of the real view, before the patch (it is built once a session)
    monkeypatch.setattr(
        ExtractionCollectionView, "get", lambda self, request: Response({}, status=418)
    )
    with pytest.raises(AssertionError, match="does not declare status 418"):
        client_a.get("/v1/extractions")
