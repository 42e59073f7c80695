"""Field order is part of a schema: it must survive storage on every database."""

from __future__ import annotations

import pytest

from parsers.models import ParserVersion

pytestmark = pytest.mark.django_db

SCHEMA = {
    "type": "object",
    "properties": {
        "zeta": {"type": "string"},
        "alpha": {"type": "number"},
        "mid": {"type": "object", "properties": {"y": {"type": "string"}, "b": {"type": "string"}}},
    },
}


def test_schema_field_order_survives_a_round_trip(client_a):
    created = client_a.post("/v1/parsers", {"name": "Ordered", "schema": SCHEMA}, format="json")
    assert created.status_code == 201, created.content
    parser_id = created.json()["id"]
    version = ParserVersion.objects.get(parser__public_id=parser_id)
    assert list(version.schema["properties"]) == ["zeta", "alpha", "mid"]
    assert list(version.schema["properties"]["mid"]["properties"]) == ["y", "b"]
    body = client_a.get(f"/v1/parsers/{parser_id}").json()
    assert list(body["schema"]["properties"]) == ["zeta", "alpha", "mid"]
