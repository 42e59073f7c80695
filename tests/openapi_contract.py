"""The OpenAPI document is the contract: every response the test suite gets from /v1/ through
Django's test client (and DRF's, which builds on it) is checked against it, in the test that
made the request.

For the operation the request reached (path template and method), the answer must have:
- a status the operation declares (an undeclared 4xx fails as much as a wrong body);
- for JSON, a body valid against that response's schema (error responses: the envelope with a
  ``code`` among the codes the operation declares for that status);
- the ``Retry-After`` / ``Idempotent-Replayed`` headers only where declared, and every header
  declared required.

Requests outside the document (``/v1/schema``, ``/v1/docs``, an unknown path, a method the
path does not take) are not checked: they are not operations. Responses streamed (file
downloads) have their status and headers checked, not their bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

CHECKED_HEADERS = ("Retry-After", "Idempotent-Replayed")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]


class Contract:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        operations = []
        for template, item in document["paths"].items():
            parts = re.split(r"(\{[^}/]+\})", template)
            regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
            for method, spec in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    operations.append(
                        Operation(method.upper(), template, re.compile(f"^{regex}$"), spec)
                    )
        # Literal paths before templated ones (/v1/webhooks/deliveries, not {webhook_id}).
        self.operations = sorted(operations, key=lambda o: o.template.count("{"))
        self._validators: dict[tuple[str, str, str], Any] = {}

    def operation(self, method: str, path: str) -> Operation | None:
        for operation in self.operations:
            if operation.method == method and operation.pattern.match(path):
                return operation
        return None

    def problems(
        self,
        method: str,
        path: str,
        status: int,
        content_type: str,
        headers: dict[str, str],
        body: bytes | None,
    ) -> list[str]:
        operation = self.operation(method, path)
        if operation is None:
            return []
        responses = operation.spec["responses"]
        declared = responses.get(str(status)) or responses.get("default")
        where = f"{operation.method} {operation.template}"
        if declared is None:
            return [f"{where} does not declare status {status} (declared: {sorted(responses)})"]
        problems = []
        declared_headers = declared.get("headers", {})
        for name in CHECKED_HEADERS:
            if name in headers and name not in declared_headers:
                problems.append(f"{where} {status}: sends {name}, not declared")
        for name, header in declared_headers.items():
            if header.get("required") and name not in headers:
                problems.append(f"{where} {status}: declared header {name} missing")
        content = declared.get("content") or {}
        if body is None or not content_type.startswith("application/json"):
            return problems
        if not content:
            if body.strip():
                problems.append(f"{where} {status}: a body, where none is declared")
            return problems
        media = content.get("application/json")
        if media is None:
            return [*problems, f"{where} {status}: JSON, declared {sorted(content)}"]
        try:
            instance = json.loads(body)
        except ValueError:
            return [*problems, f"{where} {status}: not JSON: {body[:200]!r}"]
        validator = self._validator(operation, str(status), media.get("schema", {}))
        for error in sorted(validator.iter_errors(instance), key=str)[:5]:
            location = "/".join(str(p) for p in error.absolute_path) or "(body)"
            problems.append(f"{where} {status}: {location}: {error.message[:300]}")
        return problems

    def _validator(self, operation: Operation, status: str, schema: dict[str, Any]) -> Any:
        key = (operation.method, operation.template, status)
        if key not in self._validators:
            from openapi_schema_validator import OAS30ReadValidator

            # "#/components/..." references resolve against the schema's own root.
            root = {**schema, "components": self.document.get("components", {})}
            self._validators[key] = OAS30ReadValidator(root)
        return self._validators[key]


_contract: Contract | None = None


def contract() -> Contract:
    global _contract
    if _contract is None:
        from drf_spectacular.generators import SchemaGenerator

        _contract = Contract(SchemaGenerator().get_schema(request=None, public=True))
    return _contract


def check_response(response: Any) -> None:
    """Raise AssertionError if ``response`` (of Django's test client) breaks the contract."""
    request = getattr(response, "request", None) or {}
    path = request.get("PATH_INFO", "")
    if not path.startswith("/v1/"):
        return
    method = request.get("REQUEST_METHOD", "GET").upper()
    streaming = getattr(response, "streaming", False)
    problems = contract().problems(
        method,
        path,
        response.status_code,
        response.get("Content-Type", ""),
        {name: value for name, value in response.items()},
        None if streaming else response.content,
    )
    if problems:
        body = "" if streaming else response.content[:500].decode(errors="replace")
        raise AssertionError(
            f"{method} {path} → {response.status_code} breaks the OpenAPI contract:\n  "
            + "\n  ".join(problems)
            + f"\n  body: {body}"
        )


@pytest.fixture(autouse=True, scope="session")
def _openapi_contract() -> Iterator[None]:
    """Check every test-client response to /v1/ against the OpenAPI document."""
    from django.test.client import Client

    contract()  # built from the real views, before any test patches one (built once a session)
    original = Client.request

    def request(self: Client, **environ: Any) -> Any:
        response = original(self, **environ)
        check_response(response)
        return response

    Client.request = request
    try:
        yield
    finally:
        Client.request = original
