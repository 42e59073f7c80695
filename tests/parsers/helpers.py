"""Shared bits of the parsers tests."""

from __future__ import annotations

from typing import Any

SCHEMA_V1: dict[str, Any] = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": ["string", "null"], "description": "Invoice number"},
        "total": {"type": ["number", "null"]},
    },
}
SCHEMA_V2: dict[str, Any] = {
    "type": "object",
    "properties": {
        **SCHEMA_V1["properties"],
        "lines": {
            "type": "array",
            "items": {"type": "object", "properties": {"amount": {"type": "number"}}},
        },
    },
}


def create_parser(client, name: str = "Invoices", schema: dict | None = SCHEMA_V1, **extra):
    body = {"name": name, **extra}
    if schema is not None:
        body["schema"] = schema
    response = client.post("/v1/parsers", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def error_code(response) -> str:
    return response.json()["error"]["code"]
